"""HeRL: hindsight experience guided RL with rubric rewards.

"Experience is the Best Teacher: Motivating Effective Exploration in Reinforcement Learning for
LLMs" (arXiv:2603.20046), HeRL's recipe as agentgym implements it: an episode's reward is its rubric score (the weighted mean of the
criteria it met, :func:`rubric_score`); a group whose best score falls short is re-run with a
hindsight prompt built from its best attempts; the attempts whose hindsight re-run did better
earn a bonus (:func:`herl_bonus`), and a guided episode that beats the group's best joins the
group, trained without the guidance in its context, through the off-policy objective
:func:`herl_guided_objective`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import torch


def rubric_score(rubric: Mapping[str, float], weights: Mapping[str, float] | None = None) -> float:
    """The weighted mean of the rubric's criteria (each in [0, 1]); a criterion missing from
    ``weights`` weighs 1. An empty rubric scores 0."""
    if not rubric:
        return 0.0
    weights = weights or {}
    total = sum(float(weights.get(name, 1.0)) for name in rubric)
    if total <= 0:
        raise ValueError("rubric weights must sum to more than 0")
    score = sum(float(weights.get(name, 1.0)) * float(value) for name, value in rubric.items()) / total
    if not math.isfinite(score):
        raise ValueError(f"the rubric score is not finite: {dict(rubric)}")
    return score


def herl_bonus(scores: Sequence[float], best_guided_scores: Sequence[float | None], alpha: float = 0.05) -> list[float]:
    """``r_i + alpha * (g_i - r_i)``: each episode's reward moved towards the best score ``g_i``
    that a hindsight re-run guided by it reached (None: it guided no re-run, reward unchanged).
    The bonus is positive when the hindsight helped and negative when it did worse."""
    if len(scores) != len(best_guided_scores):
        raise ValueError(f"herl_bonus needs one guided score (or None) per episode, got {len(scores)} scores "
                         f"and {len(best_guided_scores)} guided scores")
    return [float(r) if g is None else float(r) + alpha * (float(g) - float(r)) for r, g in zip(scores, best_guided_scores)]


def herl_guided_objective(logp: torch.Tensor, old_logp: torch.Tensor, advantages: torch.Tensor,
                          gamma_s: float = 1.0) -> torch.Tensor:
    """The per-token loss of a guided episode trained without its guidance:
    ``-A * rho / (rho + gamma_s)``, ``rho = exp(logp - old_logp)`` (``old_logp``: the log-probs it
    was sampled with, under the guidance; ``logp``: the current policy's without it), no
    clipping. The shaping ``rho / (rho + gamma_s)`` bounds the weight of tokens the unguided
    policy finds unlikely (its gradient ``gamma_s / (rho + gamma_s)^2`` vanishes neither at
    small nor large ratios as fast as a clip would); ``gamma_s <= 0`` gives the plain ratio
    ``-A * rho``. Aggregate it with the other losses' mask (:func:`agentgym.algos.aggregate`)."""
    rho = torch.exp(logp - old_logp.detach())
    advantages = advantages.detach().to(logp.dtype)
    if gamma_s <= 0:
        return -advantages * rho
    return -advantages * rho / (rho + gamma_s)
