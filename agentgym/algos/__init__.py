"""RL algorithms as pure functions of floats and torch tensors; nothing here knows environments or models.

Advantages (:mod:`agentgym.algos.advantages`): :func:`grpo_advantages`, :func:`rloo_advantages`,
:func:`reinforce_advantages`, :func:`gae`, :func:`gigpo_advantages`, :func:`turn_discounted`.

Losses on ``[batch, seq]`` token tensors (:mod:`agentgym.algos.losses`): :func:`aggregate`,
:func:`ppo_clip_loss`, :func:`kl_penalty`, :func:`entropy_from_logits`, :func:`value_loss`.

:func:`check_finite` raises :class:`agentgym.errors.NonFiniteError` on NaN / inf.
"""

from __future__ import annotations

from agentgym.algos.advantages import (
    gae,
    gigpo_advantages,
    grpo_advantages,
    reinforce_advantages,
    rloo_advantages,
    turn_discounted,
)
from agentgym.algos.losses import aggregate, check_finite, entropy_from_logits, kl_penalty, ppo_clip_loss, value_loss

__all__ = [
    "aggregate", "check_finite", "entropy_from_logits", "gae", "gigpo_advantages", "grpo_advantages", "kl_penalty",
    "ppo_clip_loss", "reinforce_advantages", "rloo_advantages", "turn_discounted", "value_loss",
]
