"""IGPO: information-gain turn rewards for multi-turn agents.

Wang et al. 2025, "Information Gain-based Policy Optimization: A Simple and Effective Approach
for Multi-Turn LLM Agents" (arXiv:2510.14967), §3. Each turn is rewarded by how much it raised
the policy's own belief in the ground-truth answer:

* ``p_t = exp( (1/|y|) * sum_j log pi(y_j | context up to turn t, y_<j) )``, the length-normalised
  (geometric-mean) probability of the reference answer ``y``, teacher-forced, without gradient
  (:func:`answer_probability`, batched over the turns of an episode in
  :func:`answer_probabilities`);
* the turn reward ``r_t = p_t - p_{t-1}`` (:func:`information_gain_rewards`), except on the final
  turn, where the outcome reward replaces it;
* advantages: the turn rewards of the whole group pooled and z-scored together, then discounted
  backwards within each episode (:func:`igpo_advantages`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from agentgym.algos.advantages import turn_discounted


def _model(policy_or_model: Any) -> Any:
    """A torch model as it is; a policy (not a module) by its ``.model``."""
    return policy_or_model if isinstance(policy_or_model, torch.nn.Module) else policy_or_model.model


@torch.no_grad()
def answer_probabilities(policy_or_model: Any, contexts: Sequence[Sequence[int]], reference_token_ids: Sequence[int]) -> list[float]:
    """:func:`answer_probability` of the same reference after each of ``contexts``, in one
    batched forward pass (rows ``context + reference``, right-padded: in a causal model no real
    token sees the padding after it)."""
    reference = [int(t) for t in reference_token_ids]
    if not reference:
        raise ValueError("answer_probabilities needs a non-empty reference")
    if not contexts or any(len(c) == 0 for c in contexts):
        raise ValueError("answer_probabilities needs at least one context, none of them empty")
    model = _model(policy_or_model)
    device = next(model.parameters()).device
    rows = [[int(t) for t in c] + reference for c in contexts]
    width = max(len(r) for r in rows)
    ids = torch.tensor([r + [reference[-1]] * (width - len(r)) for r in rows], dtype=torch.long, device=device)
    logits = model(input_ids=ids).logits.float()
    out = []
    for row, context in enumerate(contexts):
        start = len(context)
        # the prediction of token i is read at position i - 1
        logp = torch.log_softmax(logits[row, start - 1:start - 1 + len(reference)], dim=-1)
        picked = logp.gather(-1, ids[row, start:start + len(reference)].unsqueeze(-1)).squeeze(-1)
        out.append(float(picked.mean().exp()))
    return out


def answer_probability(policy_or_model: Any, context_token_ids: Sequence[int], reference_token_ids: Sequence[int]) -> float:
    """``p = exp(mean_j log pi(y_j | context, y_<j))``: the length-normalised probability that the
    model (or a policy's ``.model``) continues ``context_token_ids`` with the reference answer
    ``reference_token_ids`` (IGPO, §3), teacher-forced, no gradient."""
    return answer_probabilities(policy_or_model, [context_token_ids], reference_token_ids)[0]


def information_gain_rewards(probs: Sequence[float]) -> list[float]:
    """``[p_1 - p_0, ..., p_T - p_{T-1}]`` from ``probs = [p_0, ..., p_T]`` (``p_0``: before the
    first turn). The caller replaces the last entry with the outcome reward."""
    values = [float(p) for p in probs]
    if len(values) < 2:
        raise ValueError(f"information_gain_rewards needs p_0 and at least one more probability, got {len(values)}")
    return [b - a for a, b in zip(values, values[1:])]


def igpo_advantages(group_turn_rewards: Sequence[Sequence[float]], gamma: float = 1.0) -> list[torch.Tensor]:
    """IGPO's advantages for one group: every turn reward of every episode of the group pooled,
    z-scored with the pool's mean and ``std = sqrt(var + 1e-8)`` (var unbiased, as
    ``torch.var``; a pool of one: std 1), then discounted backwards per episode,
    ``A_t = z_t + gamma * A_{t+1}`` (:func:`agentgym.algos.turn_discounted`). Returns one tensor
    per episode, one advantage per turn."""
    lengths = [len(r) for r in group_turn_rewards]
    pool = torch.tensor([float(v) for rewards in group_turn_rewards for v in rewards], dtype=torch.float32)
    if pool.numel() == 0:
        raise ValueError("igpo_advantages needs at least one turn reward in the group")
    if not bool(torch.isfinite(pool).all()):
        raise ValueError("igpo_advantages: a turn reward is NaN or inf")
    std = torch.sqrt(pool.var() + 1e-8) if pool.numel() > 1 else torch.tensor(1.0)
    z = (pool - pool.mean()) / std
    out, start = [], 0
    for n in lengths:
        out.append(turn_discounted(z[start:start + n], gamma))
        start += n
    return out
