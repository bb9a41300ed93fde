"""RL algorithms as pure functions of floats and torch tensors; nothing here knows environments or models.

Advantages (:mod:`agentgym.algos.advantages`): :func:`grpo_advantages`, :func:`rloo_advantages`,
:func:`reinforce_advantages`, :func:`gae`, :func:`gigpo_advantages`, :func:`turn_discounted`.

Losses on ``[batch, seq]`` token tensors (:mod:`agentgym.algos.losses`): :func:`aggregate`,
:func:`ppo_clip_loss`, :func:`kl_penalty`, :func:`entropy_from_logits`, :func:`value_loss`.

Method terms: G-RA's gated rewards (:mod:`agentgym.algos.gated`): :func:`gated_rewards`,
:func:`gated_reward_levels`; EPO's entropy control (:mod:`agentgym.algos.epo`): :func:`epo_beta`,
:func:`epo_smoothing_penalty`, :func:`trajectory_turn_weights`, :func:`epo_loss_term`,
:class:`EntropyHistory`; IGPO's information gain (:mod:`agentgym.algos.igpo`):
:func:`answer_probability`, :func:`answer_probabilities`, :func:`information_gain_rewards`,
:func:`igpo_advantages`; HeRL's hindsight terms (:mod:`agentgym.algos.herl`): :func:`rubric_score`,
:func:`herl_bonus`, :func:`herl_guided_objective`; the subgoal teachers' bonus
(:mod:`agentgym.algos.subgoal`): :func:`subgoal_bonus`.

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
from agentgym.algos.epo import EntropyHistory, epo_beta, epo_loss_term, epo_smoothing_penalty, trajectory_turn_weights
from agentgym.algos.gated import gated_reward_levels, gated_rewards
from agentgym.algos.herl import herl_bonus, herl_guided_objective, rubric_score
from agentgym.algos.igpo import answer_probabilities, answer_probability, igpo_advantages, information_gain_rewards
from agentgym.algos.losses import aggregate, check_finite, entropy_from_logits, kl_penalty, ppo_clip_loss, value_loss
from agentgym.algos.subgoal import subgoal_bonus

__all__ = [
    "EntropyHistory", "aggregate", "answer_probabilities", "answer_probability", "check_finite",
    "entropy_from_logits", "epo_beta", "epo_loss_term", "epo_smoothing_penalty", "gae", "gated_reward_levels",
    "gated_rewards", "gigpo_advantages", "grpo_advantages", "herl_bonus", "herl_guided_objective", "igpo_advantages",
    "information_gain_rewards", "kl_penalty", "ppo_clip_loss", "reinforce_advantages", "rloo_advantages",
    "rubric_score", "subgoal_bonus", "trajectory_turn_weights", "turn_discounted", "value_loss",
]
