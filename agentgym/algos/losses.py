"""Policy-gradient loss terms on token tensors: pure functions of torch tensors.

Token tensors have shape ``[batch, seq]``; ``mask`` (float or bool, same shape) is 1 on the
agent's tokens, the only ones a loss counts. :func:`aggregate` turns per-token values into the
scalar loss at the chosen level (token, sequence or turn).
"""

from __future__ import annotations

import torch

from agentgym.errors import NonFiniteError

LEVELS = ("token", "sequence", "turn")
KL_ESTIMATORS = ("k1", "k3")


def check_finite(name: str, tensor: torch.Tensor | float) -> None:
    """Raise :class:`agentgym.errors.NonFiniteError` naming ``name`` and the first bad index
    (row-major) if ``tensor`` holds a NaN or an infinity."""
    tensor = torch.as_tensor(tensor).detach()
    if not (tensor.is_floating_point() or tensor.is_complex()):
        return
    bad = ~torch.isfinite(tensor)
    if not bool(bad.any()):
        return
    if tensor.dim() == 0:
        raise NonFiniteError(f"{name} is not finite: {float(tensor)}")
    index = tuple(int(i) for i in bad.nonzero()[0])
    where = index[0] if len(index) == 1 else index
    raise NonFiniteError(f"{name} is not finite: {tensor[index].item()} at index {where} "
                         f"({int(bad.sum())} of {tensor.numel()} values are NaN or inf)")


def _same_shape(where: str, **tensors: torch.Tensor) -> None:
    shapes = {name: tuple(t.shape) for name, t in tensors.items() if t is not None}
    if len(set(shapes.values())) > 1:
        listed = ", ".join(f"{name} {list(shape)}" for name, shape in shapes.items())
        raise ValueError(f"{where} needs tensors of one shape, got {listed}")


def _masked_mean(values: torch.Tensor, mask: torch.Tensor) -> float:
    """Token mean of ``values`` over ``mask`` as a float (0.0 for an empty mask), for statistics."""
    weights = mask.to(values.dtype)
    total = float(weights.sum())
    return float(torch.where(weights != 0, values * weights, 0).sum()) / total if total else 0.0


def aggregate(values: torch.Tensor, mask: torch.Tensor, level: str = "token",
              turn_ids: torch.Tensor | None = None) -> torch.Tensor:
    """Reduce per-token ``values`` ``[batch, seq]`` to a scalar over the tokens where ``mask`` is non-zero.

    - ``"token"``: ``sum(values * mask) / sum(mask)``; every agent token of the batch weighs the
      same, so long answers are not down-weighted (DAPO, Yu et al. 2025, §3.3 "token-level
      policy gradient loss"). The default.
    - ``"sequence"``: the mean over rows that have any masked token of each row's token mean.
    - ``"turn"``: the mean over all (row, turn) pairs of each turn's token mean; ``turn_ids``
      (ints, like ``mask``) gives each token's turn, and tokens with a negative turn id are left out.

    Masked-out positions never reach the result, even as NaN or inf. An empty mask gives a
    zero that still carries a gradient (of zeros), so ``backward()`` works on it.
    """
    if level not in LEVELS:
        raise ValueError(f"unknown aggregation level {level!r}; choose one of {', '.join(LEVELS)}")
    _same_shape("aggregate", values=values, mask=mask, turn_ids=turn_ids)
    weights = mask.to(values.dtype)
    active = weights != 0
    weighted = torch.where(active, values * weights, 0)
    if level == "token":
        total = weights.sum()
        return weighted.sum() / torch.where(total != 0, total, 1)
    if values.dim() != 2:
        raise ValueError(f"aggregate level {level!r} needs [batch, seq] tensors, got shape {list(values.shape)}")
    if level == "sequence":
        row_total = weights.sum(dim=-1)
        has_tokens = active.any(dim=-1)
        row_means = weighted.sum(dim=-1) / torch.where(has_tokens, row_total, 1)
        rows = has_tokens.to(values.dtype).sum()
        return (row_means * has_tokens).sum() / torch.where(rows != 0, rows, 1)
    if turn_ids is None:
        raise ValueError("aggregate level 'turn' needs turn_ids (each token's turn index, like mask)")
    turn_ids = turn_ids.to(torch.long)
    keep = active & (turn_ids >= 0)
    rows = torch.arange(values.shape[0], device=values.device).unsqueeze(-1).expand_as(turn_ids)
    pairs = torch.stack([rows[keep], turn_ids[keep]], dim=-1)
    if pairs.shape[0] == 0:
        return weighted.sum() * 0
    _, slot = torch.unique(pairs, dim=0, return_inverse=True)
    count = int(slot.max()) + 1
    sums = torch.zeros(count, dtype=values.dtype, device=values.device).index_add(0, slot, weighted[keep])
    totals = torch.zeros(count, dtype=values.dtype, device=values.device).index_add(0, slot, weights[keep])
    return (sums / totals).mean()


def ppo_clip_loss(logprobs: torch.Tensor, old_logprobs: torch.Tensor, advantages: torch.Tensor, mask: torch.Tensor,
                  clip_eps: float = 0.2, clip_eps_high: float | None = None, dual_clip: float | None = None,
                  level: str = "token", turn_ids: torch.Tensor | None = None) -> tuple[torch.Tensor, dict[str, float]]:
    """PPO's clipped surrogate (Schulman et al. 2017, eq. 7), as a loss to minimise.

    Per token, with ``ratio = exp(logprobs - old_logprobs)``:
    ``objective = min(ratio * A, clip(ratio, 1 - clip_eps, 1 + clip_eps_high) * A)``;
    ``clip_eps_high`` defaults to ``clip_eps`` (a larger one is DAPO's "clip-higher", Yu et al.
    2025, §3.1). With ``dual_clip = c > 1`` (Ye et al. 2020, "Mastering Complex Control in MOBA
    Games with Deep RL", eq. 5), tokens with ``A < 0`` use ``max(objective, c * A)``, bounding the
    loss of a very large ratio. The loss is ``aggregate(-objective, mask, level, turn_ids)``
    (the per-token objective and the statistics: :func:`ppo_clip_objective`).
    """
    objective, stats = ppo_clip_objective(logprobs, old_logprobs, advantages, mask, clip_eps=clip_eps,
                                          clip_eps_high=clip_eps_high, dual_clip=dual_clip)
    return aggregate(-objective, mask, level=level, turn_ids=turn_ids), stats


def ppo_clip_objective(logprobs: torch.Tensor, old_logprobs: torch.Tensor, advantages: torch.Tensor, mask: torch.Tensor,
                       clip_eps: float = 0.2, clip_eps_high: float | None = None, dual_clip: float | None = None,
                       ) -> tuple[torch.Tensor, dict[str, float]]:
    """The per-token objective of :func:`ppo_clip_loss` (to maximise) and its statistics.

    ``advantages`` is per token (the shape of ``logprobs``, or ``[batch, 1]`` for one per row);
    ``old_logprobs`` and ``advantages`` are treated as constants. Statistics, as floats over the
    masked tokens: ``clip_fraction`` (share of tokens whose objective is the clipped or dual-clipped
    term, so that they get no gradient), ``ratio_mean``, ``approx_kl`` (mean of
    ``old_logprobs - logprobs``, the k1 estimate of KL(old || new)); with ``dual_clip`` also
    ``dual_clip_fraction``.
    """
    _same_shape("ppo_clip_loss", logprobs=logprobs, old_logprobs=old_logprobs, mask=mask)
    per_token = advantages.dim() == logprobs.dim() and all(
        a in (1, n) for a, n in zip(advantages.shape, logprobs.shape))
    if not per_token:
        raise ValueError(f"ppo_clip_loss needs advantages per token (shape {list(logprobs.shape)}) "
                         f"or per row, got shape {list(advantages.shape)}")
    high = clip_eps if clip_eps_high is None else clip_eps_high
    if clip_eps < 0 or high < 0:
        raise ValueError(f"clip_eps and clip_eps_high must be >= 0, got {clip_eps} and {high}")
    if dual_clip is not None and dual_clip <= 1:
        raise ValueError(f"dual_clip must be > 1 (or None: off), got {dual_clip}")
    old_logprobs, advantages = old_logprobs.detach(), advantages.detach().to(logprobs.dtype)
    ratio = torch.exp(logprobs - old_logprobs)
    unclipped = ratio * advantages
    clipped = torch.clamp(ratio, 1 - clip_eps, 1 + high) * advantages
    objective = torch.minimum(unclipped, clipped)
    cut = clipped < unclipped
    if dual_clip is not None:
        floor = dual_clip * advantages
        dual = (advantages < 0) & (floor > objective)
        objective = torch.where(dual, floor, objective)
        cut = cut | dual
    with torch.no_grad():
        stats = {
            "clip_fraction": _masked_mean(cut.to(logprobs.dtype), mask),
            "ratio_mean": _masked_mean(ratio, mask),
            "approx_kl": _masked_mean(old_logprobs - logprobs, mask),
        }
        if dual_clip is not None:
            stats["dual_clip_fraction"] = _masked_mean(dual.to(logprobs.dtype), mask)
    return objective, stats


def kl_penalty(logprobs: torch.Tensor, ref_logprobs: torch.Tensor, estimator: str = "k1") -> torch.Tensor:
    """Per-token estimate of KL(policy || reference) from the sampled tokens' log-probs
    (Schulman 2020, "Approximating KL divergence", http://joschu.net/blog/kl-approx.html):
    ``k1 = logp - logp_ref`` (unbiased, can be negative); ``k3 = exp(logp_ref - logp) - (logp_ref - logp) - 1``
    (unbiased and never negative). ``ref_logprobs`` is treated as a constant."""
    if estimator not in KL_ESTIMATORS:
        raise ValueError(f"unknown KL estimator {estimator!r}; choose one of {', '.join(KL_ESTIMATORS)}")
    _same_shape("kl_penalty", logprobs=logprobs, ref_logprobs=ref_logprobs)
    log_ratio = ref_logprobs.detach() - logprobs
    if estimator == "k1":
        return -log_ratio
    return torch.exp(log_ratio) - log_ratio - 1


def entropy_from_logits(logits: torch.Tensor) -> torch.Tensor:
    """Entropy of ``softmax(logits)`` over the last dimension, one per position (shape ``logits.shape[:-1]``).

    ``H = -sum_i p_i log p_i`` with ``log p = log_softmax(z) = z - logsumexp(z)`` (computed
    shifted by the max, so large logits lose no precision); ``-inf`` logits (masked vocabulary
    entries) count as ``p = 0`` without NaN in the value or the gradient.
    """
    if logits.dim() == 0 or logits.shape[-1] == 0:
        raise ValueError(f"entropy_from_logits needs a non-empty last dimension, got shape {list(logits.shape)}")
    logp = torch.log_softmax(logits, dim=-1)
    return -(logp.exp() * torch.where(torch.isneginf(logp), 0, logp)).sum(dim=-1)


def value_loss(values: torch.Tensor, old_values: torch.Tensor, returns: torch.Tensor, mask: torch.Tensor,
               clip: float | None = None, level: str = "token", turn_ids: torch.Tensor | None = None) -> torch.Tensor:
    """The critic's loss ``0.5 * (V - R)^2``, aggregated like :func:`aggregate`.

    With ``clip``, PPO's value clipping as in the OpenAI baselines ``ppo2``:
    ``0.5 * max((V - R)^2, (V_old + clamp(V - V_old, -clip, clip) - R)^2)``. ``old_values`` and
    ``returns`` are treated as constants.
    """
    _same_shape("value_loss", values=values, old_values=old_values, returns=returns, mask=mask)
    old_values, returns = old_values.detach(), returns.detach()
    error = (values - returns) ** 2
    if clip is not None:
        if clip < 0:
            raise ValueError(f"value clip must be >= 0 (or None: off), got {clip}")
        clipped = old_values + torch.clamp(values - old_values, -clip, clip)
        error = torch.maximum(error, (clipped - returns) ** 2)
    return aggregate(0.5 * error, mask, level=level, turn_ids=turn_ids)
