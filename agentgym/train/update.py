"""One optimisation step on a list of samples: SFT (negative log-likelihood) or the policy-gradient
loss (PPO clip, KL, entropy, value), accumulated over micro-batches.

Micro-batches are cut by a token budget (``batch_tokens`` = rows x padded length), longest
samples first so that samples of similar length share a batch and little is padding. Each
micro-batch's loss is weighted by its share of the loss's units (agent tokens, turns or
sequences, per the aggregation level), so the accumulated gradient is exactly that of the whole
batch in one pass, whatever the budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from agentgym.algos import aggregate, check_finite, entropy_from_logits, kl_penalty, ppo_clip_loss, value_loss
from agentgym.train.samples import Sample


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


def sft_step(model: Any, optimizer: Any, samples: Sequence[Sample], *, pad_id: int, batch_tokens: int,
             level: str = "token", max_grad_norm: float = 1.0, scheduler: Any = None) -> dict[str, float]:
    """One optimiser step of behaviour cloning: the mean negative log-likelihood of the agent tokens."""
    device = next(model.parameters()).device
    batches = [collate(group, pad_id, device) for group in micro_batches(samples, batch_tokens)]
    total = sum(loss_units(b, level) for b in batches)
    optimizer.zero_grad(set_to_none=True)
    loss_sum, correct, tokens = 0.0, 0.0, 0.0
    for batch in batches:
        logprobs, _, _ = token_logprobs(model, batch)
        loss = aggregate(-logprobs, batch["loss_mask"], level=level, turn_ids=batch["turn_ids"])
        check_finite("SFT loss", loss)
        weight = loss_units(batch, level) / max(total, 1)
        (loss * weight).backward()
        loss_sum += float(loss.detach()) * weight
        mask = batch["loss_mask"]
        correct += float((logprobs.detach().exp() * mask).sum())
        tokens += float(mask.sum())
    grad_norm = _step(model, optimizer, max_grad_norm, scheduler)
    return {"sft/loss": loss_sum, "sft/token_prob": correct / max(tokens, 1.0), "sft/grad_norm": grad_norm}


def policy_step(model: Any, optimizer: Any, samples: Sequence[Sample], settings: LossSettings, *, pad_id: int,
                batch_tokens: int, max_grad_norm: float = 1.0, ref_model: Any = None,
                value_head: ValueHead | None = None, old_values: dict[int, torch.Tensor] | None = None) -> dict[str, float]:
    """One optimiser step of the policy loss over ``samples`` (their advantages set).

    ``ref_model`` adds ``kl_coef`` x KL(policy || ref) per token; ``value_head`` (PPO) adds the
    value loss against ``sample.returns``, clipped around ``old_values[id(sample)]``.
    """
    device = next(model.parameters()).device
    groups = micro_batches(samples, batch_tokens)
    batches = [collate(group, pad_id, device) for group in groups]
    total = sum(loss_units(b, settings.level) for b in batches)
    optimizer.zero_grad(set_to_none=True)
    sums: dict[str, float] = {}
    agent_tokens = sum(float(b["loss_mask"].sum()) for b in batches)
    for group, batch in zip(groups, batches):
        weight = loss_units(batch, settings.level) / max(total, 1)
        token_weight = float(batch["loss_mask"].sum()) / max(agent_tokens, 1.0)
        logprobs, entropy, values = token_logprobs(model, batch, settings.temperature, value_head)
        mask, level, turns = batch["loss_mask"], settings.level, batch["turn_ids"]
        loss, stats = ppo_clip_loss(logprobs, batch["old_logprobs"], batch["advantages"], mask,
                                    clip_eps=settings.clip_eps, clip_eps_high=settings.clip_eps_high,
                                    dual_clip=settings.dual_clip, level=level, turn_ids=turns)
        terms = {"loss/policy": float(loss.detach())}
        if ref_model is not None and settings.kl_coef:
            with torch.no_grad():
                ref_logprobs, _, _ = token_logprobs(ref_model, batch, settings.temperature)
            kl = aggregate(kl_penalty(logprobs, ref_logprobs, settings.kl_estimator), mask, level=level, turn_ids=turns)
            loss = loss + settings.kl_coef * kl
            terms["loss/kl"] = float(kl.detach())
        mean_entropy = aggregate(entropy, mask, level=level, turn_ids=turns)
        if settings.entropy_coef:
            loss = loss - settings.entropy_coef * mean_entropy
        terms["policy/entropy"] = float(mean_entropy.detach())
        if value_head is not None:
            old = collate_values(group, old_values or {}, values)
            v_loss = value_loss(values, old, batch["returns"], mask, clip=settings.value_clip, level=level, turn_ids=turns)
            loss = loss + settings.value_coef * v_loss
            terms["loss/value"] = float(v_loss.detach())
        check_finite("policy loss", loss)
        (loss * weight).backward()
        terms["loss/total"] = float(loss.detach())
        for key, value in terms.items():
            sums[key] = sums.get(key, 0.0) + value * weight
        for key, value in stats.items():
            sums[f"policy/{key}"] = sums.get(f"policy/{key}", 0.0) + float(value) * token_weight
    sums["policy/grad_norm"] = _step(model, optimizer, max_grad_norm, None, extra=value_head)
    return sums


def collate_values(group: Sequence[Sample], old_values: dict[int, torch.Tensor], like: torch.Tensor) -> torch.Tensor:
    """The old values of a micro-batch's samples, padded like ``like``."""
    out = torch.zeros_like(like)
    for row, sample in enumerate(group):
        value = old_values.get(id(sample))
        if value is not None:
            out[row, :len(value)] = value.to(out.device)
    return out.detach()


def _step(model: Any, optimizer: Any, max_grad_norm: float, scheduler: Any, extra: Any = None) -> float:
    parameters = [p for p in model.parameters() if p.requires_grad]
    if extra is not None:
        parameters += list(extra.parameters())
    norm = torch.nn.utils.clip_grad_norm_(parameters, max_grad_norm if max_grad_norm > 0 else float("inf"))
    check_finite("gradient norm", norm)
    optimizer.step()
    if scheduler is not None:
        scheduler.step()
    return float(norm)
