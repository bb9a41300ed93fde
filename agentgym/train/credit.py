"""Credit assignment: the advantage of every turn of a batch of episodes, per algorithm.

Episodes come in groups (the G episodes of one task, ``episode.group_id``). For ``grpo``,
``rloo`` and ``reinforce`` an episode's advantage is its return compared with its group's
(:mod:`agentgym.algos.advantages`) and every turn of the episode carries it; ``gigpo`` adds the
step-level advantage of the turn among the group's turns that acted on the same observation
(its anchor state); ``igpo`` rewards each turn but the last with its information gain
(``shaped_rewards["info_gain"]``, :mod:`agentgym.train.info_gain`) and the last with the
episode's outcome (its whole reward: env and other shaped terms, every turn), then pools and
z-scores the group's turn rewards and discounts them (:func:`agentgym.algos.igpo_advantages`);
``ppo`` works per token from the value head (:func:`token_gae`).
An episode's return is the sum of its turn rewards: the env's reward plus the turn's
``shaped_rewards`` (the reward shapers write there; :func:`kl_turn_rewards` is one).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from agentgym.algos import gae, gigpo_advantages, grpo_advantages, kl_penalty, reinforce_advantages, rloo_advantages
from agentgym.algos.igpo import igpo_advantages
from agentgym.trajectory.records import Episode
from agentgym.train.samples import Sample


def turn_rewards(episode: Episode) -> list[float]:
    """Each turn's reward: the env's plus its shaped terms."""
    return [turn.reward + sum(turn.shaped_rewards.values()) for turn in episode.turns]


def igpo_turn_rewards(episode: Episode, key: str = "info_gain") -> list[float]:
    """IGPO's turn rewards: the information gain of each turn but the last, and the outcome (the
    episode's reward without the information gains) on the last."""
    if not episode.turns:
        return []
    gains = [turn.shaped_rewards.get(key, 0.0) for turn in episode.turns[:-1]]
    outcome = sum(turn.reward + sum(v for k, v in turn.shaped_rewards.items() if k != key) for turn in episode.turns)
    return gains + [outcome]


def turn_states(episode: Episode) -> list[str]:
    """The observation each turn acted on (GiGPO's anchor state)."""
    observations = [episode.first_observation] + [turn.observation for turn in episode.turns]
    return observations[:len(episode.turns)]


def groups_of(episodes: Sequence[Episode]) -> list[list[int]]:
    """Indices of the episodes of each group, in order of first appearance (no group id: alone)."""
    groups: dict[str, list[int]] = {}
    for index, episode in enumerate(episodes):
        groups.setdefault(episode.group_id or f"#{index}", []).append(index)
    return list(groups.values())


def turn_advantages(episodes: Sequence[Episode], algo: str, *, gamma: float = 0.95, omega: float = 1.0,
                    igpo_gamma: float = 1.0) -> list[list[float]]:
    """One advantage per turn of each episode, computed group by group (``algo`` other than ppo)."""
    out: list[list[float]] = [[] for _ in episodes]
    for members in groups_of(episodes):
        if algo == "igpo":
            for i, values in zip(members, igpo_advantages([igpo_turn_rewards(episodes[i]) for i in members], igpo_gamma)):
                out[i] = [float(v) for v in values]
            continue
        rewards = [turn_rewards(episodes[i]) for i in members]
        returns = [sum(r) for r in rewards]
        if algo == "gigpo":
            per_step = gigpo_advantages(returns, rewards, [turn_states(episodes[i]) for i in members], gamma=gamma, omega=omega)
            for i, values in zip(members, per_step):
                out[i] = [float(v) for v in values]
            continue
        if algo == "grpo":
            scores = grpo_advantages(returns)
        elif algo == "rloo":
            scores = rloo_advantages(returns)
        elif algo == "reinforce":
            scores = reinforce_advantages(returns)
        else:
            raise ValueError(f"no episode-level advantage for algo {algo!r}")
        for i, score in zip(members, scores.tolist()):
            out[i] = [float(score)] * episodes[i].num_turns
    return out


def token_gae(episode: Episode, samples: Sequence[Sample], values: Sequence[torch.Tensor], *, gamma: float,
              lam: float) -> None:
    """PPO: GAE over the agent tokens of one episode (its samples in order, ``values`` their value
    estimates per token); each turn's reward sits on its last token. Sets the samples'
    ``advantages`` and ``returns``."""
    rewards = turn_rewards(episode)
    positions = [(s, i) for s, sample in enumerate(samples) for i, m in enumerate(sample.loss_mask) if m]
    token_rewards, token_values = [], []
    for k, (s, i) in enumerate(positions):
        turn = samples[s].turn_ids[i]
        last = k + 1 == len(positions) or samples[positions[k + 1][0]].turn_ids[positions[k + 1][1]] != turn
        token_rewards.append(rewards[turn] if last else 0.0)
        token_values.append(float(values[s][i]))
    advantages, returns = gae(token_rewards, token_values, gamma=gamma, lam=lam)
    for sample in samples:
        sample.advantages, sample.returns = [0.0] * len(sample), [0.0] * len(sample)
    for (s, i), a, r in zip(positions, advantages.tolist(), returns.tolist()):
        samples[s].advantages[i], samples[s].returns[i] = a, r


def kl_turn_rewards(samples: Sequence[Sample], ref_logprobs: Sequence[torch.Tensor], *, coef: float,
                    estimator: str = "k1") -> dict[tuple[int, int], float]:
    """The KL penalty as a reward (``rl.kl_in_reward``): ``-coef * sum_t KL_t`` over each turn's
    agent tokens, where ``KL_t`` estimates KL(policy || reference) at token t from the sampled
    token's log-probs (:func:`agentgym.algos.kl_penalty`: the log-probs it was sampled with,
    ``sample.logprobs``, against the reference's, ``ref_logprobs[i]`` for ``samples[i]``).
    This is the reward-side KL of RLHF-style PPO (Ouyang et al. 2022, eq. 2), summed per turn
    because agentgym's rewards are per turn. Returns ``{(episode, turn): reward}``."""
    out: dict[tuple[int, int], float] = {}
    for sample, ref in zip(samples, ref_logprobs):
        logprobs = torch.tensor(sample.logprobs, dtype=torch.float32)
        per_token = kl_penalty(logprobs, ref.detach().float().cpu()[:len(sample)], estimator)
        for turn, m, value in zip(sample.turn_ids, sample.loss_mask, per_token.tolist()):
            if m and turn >= 0:
                key = (sample.episode, turn)
                out[key] = out.get(key, 0.0) - coef * value
    return out
