"""Gated reward accumulation (G-RA): step rewards count only once the outcome is good enough.

Sun et al. 2025, "Stabilizing Long-term Multi-turn Reinforcement Learning with Gated Rewards"
(arXiv:2508.10548), §3: with a high-priority (outcome) reward ``r_high`` and immediate step
rewards ``r_low,t``, the trajectory's reward is

    R(tau) = r_high + 1[r_high >= Delta] * sum_t r_low,t

so dense step rewards (a valid tool call, a modified file) can never pay for a trajectory whose
outcome misses the threshold ``Delta``; accumulating them ungated ("direct reward
accumulation") lets a policy farm them and collapse, the paper's SWE-bench finding.

Pure functions of floats; per-turn rewards come back as lists (turn-level credit keeps the
step rewards on the turns that earned them, the outcome on the last turn).
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def _finite(name: str, values: Sequence[float]) -> list[float]:
    out = [float(v) for v in values]
    for i, value in enumerate(out):
        if not math.isfinite(value):
            raise ValueError(f"{name}[{i}] is not finite: {value}")
    return out


def gated_rewards(step_rewards: Sequence[float], outcome: float, threshold: float) -> list[float]:
    """G-RA's per-turn rewards for one episode (Sun et al. 2025, the gated sum of §3).

    Each step reward is multiplied by the gate ``1[outcome >= threshold]`` and the outcome is
    added to the last turn, so the rewards sum to ``outcome + gate * sum(step_rewards)``.
    An episode has at least one turn (the outcome needs one to sit on): empty ``step_rewards``
    raise ValueError, as do NaN or inf.
    """
    return gated_reward_levels([[0.0] * (len(step_rewards) - 1) + [float(outcome)] if step_rewards else [], step_rewards],
                               [threshold, -math.inf])


def gated_reward_levels(levels: Sequence[Sequence[float]], thresholds: Sequence[float]) -> list[float]:
    """The general form: several priority levels, highest first, each a list of per-turn rewards
    of the same length with its threshold. Level ``k`` counts only if every higher level ``j < k``
    clears its own threshold (its rewards summed over the episode ``>= thresholds[j]``); the
    top level always counts and the lowest level's threshold gates nothing below it.

    Returns the per-turn sum of the levels that count. :func:`gated_rewards` is the two-level
    case ``[outcome on the last turn, step rewards]``.
    """
    if not levels:
        raise ValueError("gated_reward_levels needs at least one level")
    if len(thresholds) != len(levels):
        raise ValueError(f"gated_reward_levels needs one threshold per level, got {len(levels)} levels "
                         f"and {len(thresholds)} thresholds")
    rows = [_finite(f"levels[{k}]", level) for k, level in enumerate(levels)]
    turns = len(rows[0])
    if turns == 0:
        raise ValueError("gated rewards need at least one turn (the outcome sits on the last one)")
    for k, row in enumerate(rows):
        if len(row) != turns:
            raise ValueError(f"every level needs one reward per turn: level 0 has {turns}, level {k} has {len(row)}")
    for k, threshold in enumerate(thresholds):
        if math.isnan(float(threshold)):
            raise ValueError(f"thresholds[{k}] is NaN")
    out = [0.0] * turns
    for k, row in enumerate(rows):
        out = [a + b for a, b in zip(out, row)]
        if sum(row) < float(thresholds[k]):
            break  # this level misses its threshold: the levels below do not count
    return out
