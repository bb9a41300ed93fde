"""How often the current subgoal is shown to the agent, as training goes on.

A teacher's subgoal in the prompt makes the task easier, and an agent that always had it would
lean on it: evaluation never shows it. So the probability that a training episode shows it
starts at ``start`` and anneals to 0 by a fraction ``until`` of the run, and the last part of
training plays the tasks as evaluation does (Words as Beacons, arXiv:2410.08632, queries its
teacher during training only, for the same reason). The subgoal bonus is paid either way.
"""

from __future__ import annotations

import math

ANNEALS = ("linear", "cosine", "step", "constant")


def show_probability(iteration: int, total: int, start: float = 1.0, anneal: str = "linear", until: float = 0.75) -> float:
    """The probability that an episode of RL iteration ``iteration`` (0-based) of ``total``
    shows the current subgoal.

    With ``end = until * total`` iterations and ``x = iteration / end``:

    * ``linear``: ``start * (1 - x)``;
    * ``cosine``: ``start * (1 + cos(pi * x)) / 2``;
    * ``step``: ``start``;
    * ``constant``: ``start`` at every iteration (no annealing);

    and 0 from iteration ``end`` on (every schedule but ``constant``).

    Raises:
        ValueError: ``start`` outside [0, 1], ``until`` outside (0, 1], an unknown ``anneal``,
            a negative ``iteration``.
    """
    if anneal not in ANNEALS:
        raise ValueError(f"unknown show anneal {anneal!r}; choose from {', '.join(ANNEALS)}")
    if not 0.0 <= start <= 1.0:
        raise ValueError(f"the show probability must be in [0, 1], got {start}")
    if not 0.0 < until <= 1.0:
        raise ValueError(f"until (the fraction of the run by which nothing is shown) must be in (0, 1], got {until}")
    if iteration < 0:
        raise ValueError(f"iteration must be >= 0, got {iteration}")
    if anneal == "constant":
        return float(start)
    end = until * total
    if iteration >= end:
        return 0.0
    x = iteration / end
    if anneal == "linear":
        return float(start * (1.0 - x))
    if anneal == "cosine":
        return float(start * 0.5 * (1.0 + math.cos(math.pi * x)))
    return float(start)
