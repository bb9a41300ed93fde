"""The subgoal bonus of teacher-guided RL: finishing a subgoal sooner pays more.

Ruiz-Gonzalez, Andres, Bascoy & Del Ser 2024, "Words as Beacons: Guiding RL Agents with
High-Level Language Prompts" (arXiv:2410.08632): a teacher splits the task into ordered subgoals
and the learner earns a subgoal reward, scaled by ``alpha`` and normalised by the horizon, each
time it completes the current one. agentgym's form of it, on the turn ``t`` where the current
subgoal is completed:

    r'_t = r_t + alpha * (1 - n_t / T_max)

``n_t``: the steps since the previous subgoal was completed (or since the episode started, for
the first one); ``T_max``: the episode's step limit. A subgoal reached in one step earns almost
``alpha``, one that took the whole episode earns nothing, so the bonus pays for progress and for
speed together, and an episode's bonuses sum to at most ``alpha`` times its number of subgoals.
"""

from __future__ import annotations

import math


def subgoal_bonus(steps_since_last: int, max_steps: int, alpha: float = 1.0) -> float:
    """``alpha * (1 - steps_since_last / max_steps)``: the bonus for completing a subgoal
    ``steps_since_last`` steps after the previous completion (Words as Beacons, module docstring).

    Args:
        steps_since_last: ``n_t``, in ``[0, max_steps]`` (0: completed on the same step as the
            previous subgoal, whose state already satisfied this one).
        max_steps: ``T_max``, the episode's step limit (>= 1).
        alpha: the bonus scale (finite).

    Raises:
        ValueError: ``max_steps < 1``, ``steps_since_last`` outside ``[0, max_steps]``, or a
            non-finite ``alpha``.
    """
    if isinstance(max_steps, bool) or int(max_steps) != max_steps or max_steps < 1:
        raise ValueError(f"max_steps (T_max, the episode's step limit) must be an integer >= 1, got {max_steps!r}")
    if isinstance(steps_since_last, bool) or int(steps_since_last) != steps_since_last or not 0 <= steps_since_last <= max_steps:
        raise ValueError(f"steps_since_last must be an integer in [0, max_steps={max_steps}], got {steps_since_last!r}")
    if not math.isfinite(float(alpha)):
        raise ValueError(f"alpha must be finite, got {alpha!r}")
    return float(alpha) * (1.0 - steps_since_last / max_steps)
