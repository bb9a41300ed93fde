"""Reward shaping from what the env reported: step signals and G-RA's gated accumulation.

The trainer's credit assignment (:mod:`agentgym.train.credit`) reads each turn's reward as the
env's reward plus the turn's ``shaped_rewards``. A shaper writes its term there, so the
trajectory store keeps what was added and why.

Step signals, read from each turn's ``info`` (1.0 when the turn earned it, else 0.0):

=====================  ============================================================================
``action_format_valid`` the output had the expected action format (the action-extraction wrapper)
``action_valid``        the env understood / executed the action
``tool_ok``             the tool call ran (SWE)
``modified``            the call changed the repository (SWE)
``score_progress``      the game's score went up this turn (by the increase over ``max_score``
                        where the env gives one, else by the increase itself)
=====================  ============================================================================

Outcomes (the high-priority reward of G-RA):

* ``return``: the env's own return (the sum of its turn rewards);
* ``won``: 1.0 if the episode was won, else 0.0;
* ``swe``: the SWE env's outcome level, ``info["outcome"]`` of the last turn, mapped through
  ``outcome_values`` (default :data:`SWE_OUTCOME_VALUES`);
* ``auto``: ``swe`` when the last turn reports an SWE outcome level, else ``return``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from agentgym.algos.gated import gated_reward_levels
from agentgym.trajectory.records import Episode, Turn

# G-RA's four SWE outcome levels (Sun et al. 2025), lowest first; the default gate (0.5) opens at a
# submitted, non-empty patch, so tool and edit rewards never pay for an episode that gives up.
SWE_OUTCOME_VALUES = {"no_submit": 0.0, "empty_patch": 0.25, "failing_patch": 0.5, "passing_patch": 1.0}
SWE_THRESHOLD = 0.5
OUTCOMES = ("auto", "return", "won", "swe")
GATED_KEY = "gated"  # the shaped-reward entry G-RA writes


def _flag(key: str) -> Any:
    return lambda turn, previous: 1.0 if turn.info.get(key) is True else 0.0


def _score_progress(turn: Turn, previous: Mapping[str, Any]) -> float:
    score, before = turn.info.get("score"), previous.get("score")
    if not isinstance(score, (int, float)) or not isinstance(before, (int, float)) or score <= before:
        return 0.0
    top = turn.info.get("max_score")
    return float(score - before) / float(top) if isinstance(top, (int, float)) and top > 0 else float(score - before)


STEP_SIGNALS = {
    "action_format_valid": _flag("action_format_valid"),
    "action_valid": _flag("action_valid"),
    "tool_ok": _flag("tool_ok"),
    "modified": _flag("modified"),
    "score_progress": _score_progress,
}


def step_rewards(episode: Episode, weights: Mapping[str, float]) -> list[float]:
    """Each turn's immediate reward: ``sum_s weights[s] * signal_s(turn)`` over the named signals."""
    unknown = sorted(set(weights) - set(STEP_SIGNALS))
    if unknown:
        raise ValueError(f"unknown step signal(s) {unknown}; choose from {', '.join(STEP_SIGNALS)}")
    out, previous = [], episode.start_info
    for turn in episode.turns:
        out.append(sum(float(w) * STEP_SIGNALS[name](turn, previous) for name, w in weights.items()))
        previous = turn.info
    return out


def outcome_reward(episode: Episode, outcome: str = "auto", outcome_values: Mapping[str, float] | None = None) -> float:
    """The episode's high-priority reward (see the module docstring for ``outcome``)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}; choose from {', '.join(OUTCOMES)}")
    values = dict(outcome_values or SWE_OUTCOME_VALUES)
    level = episode.turns[-1].info.get("outcome") if episode.turns else None
    if outcome == "auto":
        outcome = "swe" if level in values else "return"
    if outcome == "won":
        return 1.0 if episode.success else 0.0
    if outcome == "return":
        return episode.return_
    if level not in values:
        # an episode cut short (error, turn limit before the env's own end) never submitted
        level = "no_submit" if "no_submit" in values else None
        if level is None:
            raise ValueError(f"episode {episode.episode_id} ended with no outcome level and outcome_values has no "
                             "'no_submit' entry to count it as")
    return float(values[level])


def uses_swe_levels(episodes: Sequence[Episode], outcome: str, outcome_values: Mapping[str, float] | None) -> bool:
    values = outcome_values or SWE_OUTCOME_VALUES
    return outcome == "swe" or (outcome == "auto" and any(e.turns and e.turns[-1].info.get("outcome") in values
                                                          for e in episodes))


def apply_gated_rewards(episodes: Sequence[Episode], *, step_weights: Mapping[str, float], outcome: str = "auto",
                        threshold: float | None = None, outcome_values: Mapping[str, float] | None = None,
                        gate: bool = True) -> dict[str, float]:
    """G-RA on a batch: each turn's ``shaped_rewards["gated"]`` is set so that the env's reward
    plus it becomes :func:`agentgym.algos.gated.gated_reward_levels` of
    ``[outcome on the last turn, step rewards]``: the outcome plus the step rewards where the
    outcome reaches ``threshold`` (default :data:`SWE_THRESHOLD` for SWE levels, else 1.0).
    ``gate=False`` accumulates the step rewards ungated (the paper's direct accumulation,
    D-RA: the baseline G-RA is compared with). Other shaped terms (a KL penalty, a bonus) add on
    top.

    Returns metrics: the mean step and outcome rewards and the share of episodes whose gate opened.
    """
    if threshold is None:
        threshold = SWE_THRESHOLD if uses_swe_levels(episodes, outcome, outcome_values) else 1.0
    opened, step_total, outcome_total = 0, 0.0, 0.0
    for episode in episodes:
        if not episode.turns:
            continue
        steps = step_rewards(episode, step_weights)
        high = outcome_reward(episode, outcome, outcome_values)
        levels = [[0.0] * (len(steps) - 1) + [high], steps]
        target = gated_reward_levels(levels, [threshold if gate else float("-inf"), float("-inf")])
        opened += (high >= threshold) if gate else 1
        step_total += sum(steps)
        outcome_total += high
        for turn, total in zip(episode.turns, target):
            turn.shaped_rewards[GATED_KEY] = total - turn.reward
    n = max(1, sum(1 for e in episodes if e.turns))
    return {"reward/step_mean": step_total / n, "reward/outcome_mean": outcome_total / n, "reward/gate_open_rate": opened / n}


SUBGOAL_KEY = "subgoal"  # the shaped-reward entry of the subgoal teachers' bonus


def apply_subgoal_rewards(episodes: Sequence[Episode]) -> dict[str, float]:
    """The subgoal teachers' bonus (:func:`agentgym.algos.subgoal_bonus`, computed while the
    episode was played, :mod:`agentgym.curriculum.teacher_pool`) into each turn's
    ``shaped_rewards["subgoal"]``: every completion reported in a turn's
    ``info["subgoal_completions"]`` pays its bonus to the turn it names (a late judge verdict
    names an earlier turn). It adds to the env's reward and to every other shaped term.

    Returns metrics over the taught episodes (those whose reset reported ``subgoals``): the mean
    subgoals planned, completed and bonus per episode, the share of episodes that showed the
    subgoal, and how many completions each detector found.
    """
    taught = [e for e in episodes if "subgoals" in e.start_info]
    planned = completed = 0
    bonus = 0.0
    by: dict[str, int] = {}
    for episode in taught:
        for turn in episode.turns:
            turn.shaped_rewards.pop(SUBGOAL_KEY, None)
        planned += len(episode.start_info["subgoals"])
        for turn in episode.turns:
            for completion in turn.info.get("subgoal_completions") or []:
                target = episode.turns[min(int(completion["turn"]), len(episode.turns) - 1)]
                target.shaped_rewards[SUBGOAL_KEY] = target.shaped_rewards.get(SUBGOAL_KEY, 0.0) + float(completion["bonus"])
                completed += 1
                bonus += float(completion["bonus"])
                by[completion["by"]] = by.get(completion["by"], 0) + 1
    if not taught:
        return {}
    n = len(taught)
    return {"teacher/subgoals": planned / n, "teacher/completed": completed / n, "teacher/bonus": bonus / n,
            "teacher/shown_rate": sum(bool(e.start_info.get("subgoal_shown")) for e in taught) / n,
            **{f"teacher/completed_by_{name}": count / n for name, count in sorted(by.items())}}
