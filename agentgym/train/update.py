"""One optimisation step on a list of samples: SFT (negative log-likelihood) or the policy-gradient
loss (PPO clip, KL, entropy, value), accumulated over micro-batches.

Micro-batches are cut by a token budget (``batch_tokens`` = rows x padded length), longest
samples first so that samples of similar length share a batch and little is padding. Each
micro-batch's loss is weighted by its share of the loss's units (agent tokens, turns or
sequences, per the aggregation level), so the accumulated gradient is exactly that of the whole
batch in one pass, whatever the budget. At the ``episode`` level every token carries its weight
in the whole batch's mean (:func:`set_episode_weights`), so micro-batch losses simply add up.

Data-parallel (``dist``, :mod:`agentgym.train.distributed`): every rank is given the whole
batch, computes the loss of its share only, with each micro-batch weighted by its share of the
*whole* batch's units; the gradients are summed over ranks before clipping and the step. So the
step is that of one process on the whole batch, whatever the number of ranks (up to float error).

``autocast`` runs the forward passes under ``torch.autocast(bfloat16)`` (CUDA mixed precision);
the log-probs, losses and the backward stay in float32 where they matter (logits are upcast).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from agentgym.algos import aggregate, check_finite, entropy_from_logits, kl_penalty, value_loss
from agentgym.algos.epo import epo_loss_term, trajectory_turn_weights
from agentgym.algos.herl import herl_guided_objective
from agentgym.algos.losses import ppo_clip_objective
from agentgym.errors import NonFiniteError
from agentgym.train.distributed import Distributed
from agentgym.train.samples import Sample

SINGLE = Distributed()  # one process: nothing is split or reduced


@dataclass
class EPOTerm:
    """EPO's entropy term for one step (:func:`agentgym.algos.epo.epo_loss_term`): ``beta`` and
    ``entropy_ref`` (H_bar, None at the first step) of this iteration, and the fixed weights.
    The samples carry the averaging weights (``sample.episode_weights``)."""

    beta: float
    entropy_ref: float | None
    coef: float = 0.001
    alpha: float = 0.1
    kappa_low: float = 0.0
    kappa_high: float = 2.0


@dataclass
class LossSettings:
    """The terms of the policy loss (see :class:`agentgym.train.config.RLSection`)."""

    temperature: float = 1.0
    clip_eps: float = 0.2
    clip_eps_high: float | None = None
    dual_clip: float | None = None
    kl_coef: float = 0.0
    kl_estimator: str = "k3"
    entropy_coef: float = 0.0
    value_coef: float = 0.0
    value_clip: float | None = None
    level: str = "token"
    epo: EPOTerm | None = None
    guided_gamma: float = 1.0  # HeRL's gamma_s for off-policy samples (herl_guided_objective)


class ValueHead(torch.nn.Module):
    """PPO's critic: a linear layer on the policy model's last hidden state, one value per token."""

    def __init__(self, hidden_size: int) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(hidden_size, 1)
        torch.nn.init.zeros_(self.linear.weight)
        torch.nn.init.zeros_(self.linear.bias)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.linear(hidden.float()).squeeze(-1)


def micro_batches(samples: Sequence[Sample], batch_tokens: int) -> list[list[Sample]]:
    """Groups of samples whose padded size (rows x longest) stays within ``batch_tokens``
    (a longer sample goes alone)."""
    ordered = sorted(samples, key=len, reverse=True)
    batches: list[list[Sample]] = []
    for sample in ordered:
        if batches and len(batches[-1][0]) * (len(batches[-1]) + 1) <= batch_tokens:
            batches[-1].append(sample)
        else:
            batches.append([sample])
    return batches


def collate(samples: Sequence[Sample], pad_id: int, device: Any) -> dict[str, torch.Tensor]:
    """Right-padded tensors of a micro-batch."""
    width = max(len(s) for s in samples)

    def pad(rows: list[list[Any]], value: Any, dtype: torch.dtype) -> torch.Tensor:
        return torch.tensor([row + [value] * (width - len(row)) for row in rows], dtype=dtype, device=device)

    return {
        "input_ids": pad([s.token_ids for s in samples], pad_id, torch.long),
        "attention_mask": pad([[1] * len(s) for s in samples], 0, torch.long),
        "loss_mask": pad([s.loss_mask for s in samples], 0, torch.float32),
        "old_logprobs": pad([s.logprobs for s in samples], 0.0, torch.float32),
        "advantages": pad([s.advantages or [0.0] * len(s) for s in samples], 0.0, torch.float32),
        "returns": pad([s.returns or [0.0] * len(s) for s in samples], 0.0, torch.float32),
        "turn_ids": pad([s.turn_ids for s in samples], -1, torch.long),
        "episode_weights": pad([s.episode_weights or [0.0] * len(s) for s in samples], 0.0, torch.float32),
        "off_policy": torch.tensor([s.off_policy for s in samples], dtype=torch.bool, device=device),
    }


def token_logprobs(model: Any, batch: dict[str, torch.Tensor], temperature: float = 1.0,
                   value_head: ValueHead | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """Per-token log-probs ``log p(x_i | x_<i)`` under ``softmax(logits / temperature)`` (entry 0
    is 0, as in :meth:`policies.hf.HFPolicy.sequence_logprobs`), their entropies, and the value
    head's values when given."""
    output = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                   output_hidden_states=value_head is not None)
    logits = output.logits[:, :-1].float() / (temperature or 1.0)
    targets = batch["input_ids"][:, 1:]
    logprobs = torch.log_softmax(logits, dim=-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    entropy = entropy_from_logits(logits)
    zero = torch.zeros_like(logprobs[:, :1])
    logprobs, entropy = torch.cat([zero, logprobs], dim=-1), torch.cat([zero, entropy], dim=-1)
    values = None
    if value_head is not None:
        # the value of the state before token i is read at position i-1 (what the model had seen)
        hidden = value_head(output.hidden_states[-1])
        values = torch.cat([zero, hidden[:, :-1]], dim=-1)
    return logprobs, entropy, values


def loss_token_logprobs(model: Any, batch: dict[str, torch.Tensor], temperature: float = 1.0,
                        value_head: ValueHead | None = None, base: torch.Tensor | None = None,
                        ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """:func:`token_logprobs` computed only where ``batch["loss_mask"]`` is non-zero.

    The model's output layer (``get_output_embeddings()``) is applied to the hidden states of
    those positions alone, and the log-softmax and entropy to their logits alone; elsewhere the
    returned log-probs are ``base`` (default 0, entry 0 always 0) and the entropies 0, constants
    without gradient. Wherever the mask is non-zero the values, and so any masked loss and its
    gradient, are those of :func:`token_logprobs`. A model whose output layer cannot be reached
    this way (or that calls it more than once) has its full logits computed and then selected.

    A right-padded batch (:func:`collate`'s) runs without its attention mask: in a causal model
    no real token sees the padding after it, so the real tokens' outputs are unchanged, and the
    attention takes its causal path (no mask built or applied, the blocks above the diagonal
    skipped) instead of a full masked one.
    """
    ids, mask = batch["input_ids"], batch["loss_mask"]
    attention = batch["attention_mask"]
    if attention.dim() == 2 and bool((attention[:, 1:] <= attention[:, :-1]).all()) and bool(attention[:, 0].all()):
        attention = None  # right padding only
    select = mask != 0
    select[:, 0] = False  # position 0 predicts nothing: its log-prob is 0 in token_logprobs too
    rows, cols = select.nonzero(as_tuple=True)
    calls = []

    def keep_selected(module: Any, args: tuple) -> tuple | None:
        calls.append(tuple(args[0].shape))
        if len(calls) > 1 or calls[0][:2] != tuple(ids.shape):
            return None  # not the one call on the hidden states: left alone, and the forward run again
        # the prediction of token i is read at position i-1
        return (args[0][rows, cols - 1].unsqueeze(0), *args[1:])

    def forward(hook: bool) -> Any:
        head = model.get_output_embeddings() if hook and hasattr(model, "get_output_embeddings") else None
        handle = head.register_forward_pre_hook(keep_selected) if isinstance(head, torch.nn.Module) else None
        try:
            return model(input_ids=ids, attention_mask=attention, output_hidden_states=value_head is not None)
        finally:
            if handle is not None:
                handle.remove()

    output = forward(hook=True)
    logits = output.logits
    if len(calls) == 1 and calls[0][:2] == tuple(ids.shape) and tuple(logits.shape[:2]) == (1, len(rows)):
        logits = logits[0]
    else:
        if calls:  # the output layer is not used the way the hook expects: run the model as it is
            output = forward(hook=False)
        logits = output.logits[rows, cols - 1]
    logits = logits.float() / (temperature or 1.0)
    picked = torch.log_softmax(logits, dim=-1).gather(-1, ids[rows, cols].unsqueeze(-1)).squeeze(-1)
    zeros = torch.zeros(ids.shape, dtype=picked.dtype, device=ids.device)
    logprobs = zeros.clone() if base is None else base.to(picked.dtype).clone()
    logprobs[:, 0] = 0.0
    logprobs = logprobs.index_put((rows, cols), picked)
    entropy = zeros.index_put((rows, cols), entropy_from_logits(logits))
    values = None
    if value_head is not None:
        hidden = value_head(output.hidden_states[-1])
        values = torch.cat([torch.zeros_like(hidden[:, :1]), hidden[:, :-1]], dim=-1)
    return logprobs, entropy, values


def set_episode_weights(samples: Sequence[Sample]) -> None:
    """Set ``episode_weights`` on the samples of one optimiser batch: each agent token's weight in
    the mean "within each turn, over the turns of an episode, over the episodes of the batch"
    (:func:`agentgym.algos.epo.trajectory_turn_weights`; ``sample.episode`` names the episode,
    which may span several samples, one per turn in the window context). The ``episode`` loss
    level and EPO's entropy term are sums of these weights times per-token values."""
    if not samples:
        return
    width = max(len(s) for s in samples)
    mask = torch.tensor([s.loss_mask + [0] * (width - len(s)) for s in samples], dtype=torch.float32)
    turns = torch.tensor([s.turn_ids + [-1] * (width - len(s)) for s in samples], dtype=torch.long)
    episodes = torch.tensor([s.episode for s in samples], dtype=torch.long)
    weights = trajectory_turn_weights(mask, turns, episodes)
    for row, sample in enumerate(samples):
        sample.episode_weights = weights[row, :len(sample)].tolist()


def level_mean(values: torch.Tensor, batch: dict[str, torch.Tensor], level: str) -> torch.Tensor:
    """The mean of per-token ``values`` over the loss tokens of a micro-batch at ``level``
    (:func:`agentgym.algos.aggregate`); at ``episode`` level the micro-batch's share of the
    whole batch's mean (a sum of ``episode_weights`` x values)."""
    if level == "episode":
        weights = batch["episode_weights"]
        return torch.where(weights != 0, values * weights, 0).sum()
    return aggregate(values, batch["loss_mask"], level=level, turn_ids=batch["turn_ids"])


def unit_share(batch: dict[str, torch.Tensor], level: str, total: int) -> float:
    """The weight of a micro-batch's :func:`level_mean` in the batch's: its share of the loss
    units (1 at ``episode`` level, whose means are already shares)."""
    return 1.0 if level == "episode" else loss_units(batch, level) / max(total, 1)


def loss_units(batch: dict[str, torch.Tensor], level: str) -> int:
    """How many units the loss averages over at ``level``: agent tokens, turns or sequences."""
    mask = batch["loss_mask"] > 0
    if level == "token":
        return int(mask.sum())
    if level == "sequence":
        return int(mask.any(dim=-1).sum())
    rows = torch.arange(mask.shape[0], device=mask.device).unsqueeze(-1).expand_as(mask)
    pairs = torch.stack([rows[mask], batch["turn_ids"][mask]], dim=-1)
    return int(torch.unique(pairs, dim=0).shape[0]) if pairs.numel() else 0


def sample_units(samples: Sequence[Sample], level: str) -> int:
    """:func:`loss_units` of ``samples`` without collating them (the whole batch's count, on
    every rank, when each rank computes the loss of only a share)."""
    if level == "token":
        return sum(sum(1 for m in s.loss_mask if m > 0) for s in samples)
    if level == "episode":
        return len({s.episode for s in samples if any(m > 0 for m in s.loss_mask)})
    if level == "sequence":
        return sum(any(m > 0 for m in s.loss_mask) for s in samples)
    return sum(len({t for t, m in zip(s.turn_ids, s.loss_mask) if m > 0}) for s in samples)


def forward_context(device: torch.device, autocast: bool) -> Any:
    """``torch.autocast(bfloat16)`` on ``device`` when ``autocast``, else nothing."""
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16) if autocast else contextlib.nullcontext()


def sft_step(model: Any, optimizer: Any, samples: Sequence[Sample], *, pad_id: int, batch_tokens: int,
             level: str = "token", max_grad_norm: float = 1.0, scheduler: Any = None, dist: Distributed = SINGLE,
             autocast: bool = False) -> dict[str, float]:
    """One optimiser step of behaviour cloning: the mean negative log-likelihood of the agent tokens."""
    device = next(model.parameters()).device
    total = sample_units(samples, level)
    if level == "episode":
        set_episode_weights(samples)
    batches = [collate(group, pad_id, device) for group in micro_batches(dist.shard(samples), batch_tokens)]
    optimizer.zero_grad(set_to_none=True)
    sums = {"sft/loss": 0.0, "correct": 0.0, "tokens": 0.0}
    failure = None
    for batch in batches:
        with forward_context(device, autocast):
            logprobs, _, _ = loss_token_logprobs(model, batch)
            loss = level_mean(-logprobs, batch, level)
        failure = _nonfinite("SFT loss", loss, dist)
        if failure:
            break
        weight = unit_share(batch, level, total)
        (loss * weight).backward()
        sums["sft/loss"] += float(loss.detach()) * weight
        mask = batch["loss_mask"]
        sums["correct"] += float((logprobs.detach().exp() * mask).sum())
        sums["tokens"] += float(mask.sum())
    sums = _reduce(model, dist, failure, sums)
    grad_norm = _step(model, optimizer, max_grad_norm, scheduler)
    return {"sft/loss": sums["sft/loss"], "sft/token_prob": sums["correct"] / max(sums["tokens"], 1.0), "sft/grad_norm": grad_norm}


def policy_step(model: Any, optimizer: Any, samples: Sequence[Sample], settings: LossSettings, *, pad_id: int,
                batch_tokens: int, max_grad_norm: float = 1.0, ref_model: Any = None,
                value_head: ValueHead | None = None, old_values: dict[int, torch.Tensor] | None = None,
                dist: Distributed = SINGLE, autocast: bool = False) -> dict[str, float]:
    """One optimiser step of the policy loss over ``samples`` (their advantages set).

    ``ref_model`` adds ``kl_coef`` x KL(policy || ref) per token; ``value_head`` (PPO) adds the
    value loss against ``sample.returns``, clipped around ``old_values[id(sample)]``;
    ``settings.epo`` adds EPO's entropy term, whose per-token weights (``sample.episode_weights``,
    set here for the whole batch) make it a plain sum over the micro-batches. Samples marked
    ``off_policy`` (HeRL's guided episodes) are trained with
    :func:`agentgym.algos.herl.herl_guided_objective` instead of the clipped surrogate.
    """
    device = next(model.parameters()).device
    total = sample_units(samples, settings.level)
    agent_tokens = float(sample_units(samples, "token"))
    if settings.level == "episode" or settings.epo is not None:
        set_episode_weights(samples)
    groups = micro_batches(dist.shard(samples), batch_tokens)
    batches = [collate(group, pad_id, device) for group in groups]
    optimizer.zero_grad(set_to_none=True)
    sums: dict[str, float] = {}
    failure = None
    for group, batch in zip(groups, batches):
        weight = unit_share(batch, settings.level, total)
        token_weight = float(batch["loss_mask"].sum()) / max(agent_tokens, 1.0)
        with forward_context(device, autocast):
            loss, terms, stats, summed = _policy_loss(model, batch, group, settings, ref_model, value_head, old_values)
        weighted = loss * weight + summed.pop("term", 0.0)
        failure = _nonfinite("policy loss", weighted, dist)
        if failure:
            break
        weighted.backward()
        terms["loss/total"] = float(loss.detach())
        for key, value in terms.items():
            sums[key] = sums.get(key, 0.0) + value * weight
        for key, value in summed.items():  # already weighted over the whole batch
            sums[key] = sums.get(key, 0.0) + value
        for key, value in stats.items():
            sums[f"policy/{key}"] = sums.get(f"policy/{key}", 0.0) + float(value) * token_weight
    sums = _reduce(model, dist, failure, sums, extra=value_head)
    sums["policy/grad_norm"] = _step(model, optimizer, max_grad_norm, None, extra=value_head)
    return sums


def _policy_loss(model: Any, batch: dict[str, torch.Tensor], group: Sequence[Sample], settings: LossSettings,
                 ref_model: Any, value_head: ValueHead | None, old_values: dict[int, torch.Tensor] | None,
                 ) -> tuple[torch.Tensor, dict[str, float], dict[str, Any], dict[str, Any]]:
    """The policy loss of one micro-batch (a mean over its loss units), its terms (for the
    metrics), the clip statistics, and the terms that are sums over the whole batch (EPO's:
    ``"term"``, the tensor added to the loss, and its statistics)."""
    # off the loss tokens the log-probs are the old ones (ratio 1): constants, like the masked-out terms
    logprobs, entropy, values = loss_token_logprobs(model, batch, settings.temperature, value_head,
                                                    base=batch["old_logprobs"])
    mask, level = batch["loss_mask"], settings.level
    objective, stats = ppo_clip_objective(logprobs, batch["old_logprobs"], batch["advantages"], mask,
                                          clip_eps=settings.clip_eps, clip_eps_high=settings.clip_eps_high,
                                          dual_clip=settings.dual_clip)
    per_token = -objective
    off_policy = batch["off_policy"]
    if bool(off_policy.any()):  # HeRL's guided episodes, trained without their guidance: no clipping
        guided = herl_guided_objective(logprobs, batch["old_logprobs"], batch["advantages"], settings.guided_gamma)
        per_token = torch.where(off_policy.unsqueeze(-1), guided, per_token)
    loss = level_mean(per_token, batch, level)
    terms = {"loss/policy": float(loss.detach())}
    if ref_model is not None and settings.kl_coef:
        with torch.no_grad():
            ref_logprobs, _, _ = loss_token_logprobs(ref_model, batch, settings.temperature, base=batch["old_logprobs"])
        kl = level_mean(kl_penalty(logprobs, ref_logprobs, settings.kl_estimator), batch, level)
        loss = loss + settings.kl_coef * kl
        terms["loss/kl"] = float(kl.detach())
    mean_entropy = level_mean(entropy, batch, level)
    if settings.entropy_coef:
        loss = loss - settings.entropy_coef * mean_entropy
    terms["policy/entropy"] = float(mean_entropy.detach())
    stats["token_entropy"] = float(aggregate(entropy.detach(), mask, level="token"))
    summed: dict[str, Any] = {}
    if settings.epo is not None:
        epo = settings.epo
        term, epo_stats = epo_loss_term(entropy, batch["episode_weights"], epo.entropy_ref, epo.beta, lam=epo.coef,
                                        alpha=epo.alpha, kappa_low=epo.kappa_low, kappa_high=epo.kappa_high)
        summed = {"term": term, **{f"epo/{k}": v for k, v in epo_stats.items()}}
    if value_head is not None:
        old = collate_values(group, old_values or {}, values)
        if level == "episode":  # the weighted token mean times the micro-batch's share of the weights
            weights = batch["episode_weights"]
            v_loss = value_loss(values, old, batch["returns"], weights, clip=settings.value_clip) * weights.sum()
        else:
            v_loss = value_loss(values, old, batch["returns"], mask, clip=settings.value_clip, level=level,
                                turn_ids=batch["turn_ids"])
        loss = loss + settings.value_coef * v_loss
        terms["loss/value"] = float(v_loss.detach())
    return loss, terms, stats, summed


def collate_values(group: Sequence[Sample], old_values: dict[int, torch.Tensor], like: torch.Tensor) -> torch.Tensor:
    """The old values of a micro-batch's samples, padded like ``like``."""
    out = torch.zeros_like(like)
    for row, sample in enumerate(group):
        value = old_values.get(id(sample))
        if value is not None:
            out[row, :len(value)] = value.to(out.device)
    return out.detach()


def _nonfinite(what: str, loss: torch.Tensor, dist: Distributed) -> str | None:
    """Check ``loss``: one process raises at once; a rank of a data-parallel run returns the
    failure, so that it still meets the other ranks in the gradient reduction, where every rank
    raises it."""
    try:
        check_finite(what, loss)
    except NonFiniteError as exc:
        if not dist.enabled:
            raise
        return f"rank {dist.rank}: {exc}"
    return None


def _reduce(model: Any, dist: Distributed, failure: str | None, sums: dict[str, float], extra: Any = None) -> dict[str, float]:
    """Sum the gradients and the metric sums over ranks (nothing to do in one process)."""
    if not dist.enabled:
        return sums
    dist.check_finite(failure)
    dist.all_reduce_gradients(_trainable(model, extra))
    return dist.all_reduce_sums(sums)


def _trainable(model: Any, extra: Any = None) -> list[torch.nn.Parameter]:
    parameters = [p for p in model.parameters() if p.requires_grad]
    if extra is not None:
        parameters += list(extra.parameters())
    return parameters


def _step(model: Any, optimizer: Any, max_grad_norm: float, scheduler: Any, extra: Any = None) -> float:
    parameters = _trainable(model, extra)
    norm = torch.nn.utils.clip_grad_norm_(parameters, max_grad_norm if max_grad_norm > 0 else float("inf"))
    check_finite("gradient norm", norm)
    optimizer.step()
    if scheduler is not None:
        scheduler.step()
    return float(norm)
