"""Advantage estimators: pure functions on returns, rewards and values.

Inputs are sequences of floats or 1-D tensors (treated as constants: the results carry no
gradient). A float tensor keeps its dtype and device, anything else becomes float32. A NaN or
inf input raises :class:`agentgym.errors.NonFiniteError` (a ValueError) naming it; an empty
group raises ValueError.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import torch

from agentgym.algos.losses import check_finite

Floats = Sequence[float] | torch.Tensor


def _vector(name: str, values: Floats, where: str, *, allow_empty: bool = False) -> torch.Tensor:
    """``values`` as a finite 1-D float tensor, detached."""
    if isinstance(values, torch.Tensor):
        tensor = values.detach()
        if not tensor.is_floating_point():
            tensor = tensor.to(torch.float32)
    else:
        tensor = torch.tensor([float(v) for v in values], dtype=torch.float32)
    if tensor.dim() != 1:
        raise ValueError(f"{where}: {name} must be 1-D, got shape {list(tensor.shape)}")
    if tensor.numel() == 0 and not allow_empty:
        raise ValueError(f"{where}: {name} is empty; a group needs at least one episode")
    check_finite(name, tensor)
    return tensor


def _relative(values: torch.Tensor, eps: float, normalize: bool) -> torch.Tensor:
    """``(v - mean) / (std + eps)`` with the unbiased std, or ``v - mean``; a group of one gives 0."""
    if values.numel() < 2:
        return torch.zeros_like(values)
    centred = values - values.mean()
    return centred / (values.std() + eps) if normalize else centred


def grpo_advantages(returns: Floats, eps: float = 1e-6) -> torch.Tensor:
    """GRPO's group-relative advantage for one group (Shao et al. 2024, "DeepSeekMath", §4.1.2,
    outcome supervision): ``A_i = (r_i - mean(r)) / (std(r) + eps)``, std unbiased (``torch.std``'s
    default). A group of one has nothing to compare with: zeros."""
    return _relative(_vector("returns", returns, "grpo_advantages"), eps, normalize=True)


def rloo_advantages(returns: Floats) -> torch.Tensor:
    """REINFORCE leave-one-out (Ahmadian et al. 2024, "Back to Basics: Revisiting REINFORCE Style
    Optimization for Learning from Human Feedback in LLMs", the RLOO estimator):
    ``A_i = r_i - (1 / (k - 1)) * sum_{j != i} r_j`` over a group of ``k``. A group of one: zeros."""
    r = _vector("returns", returns, "rloo_advantages")
    k = r.numel()
    if k < 2:
        return torch.zeros_like(r)
    return r - (r.sum() - r) / (k - 1)


def reinforce_advantages(returns: Floats, baseline: float | None = None) -> torch.Tensor:
    """REINFORCE with a baseline (Williams 1992, "Simple Statistical Gradient-Following Algorithms
    for Connectionist Reinforcement Learning", the update ``dw = alpha * (r - b) * e`` with
    reinforcement baseline ``b``): ``A_i = r_i - b``; ``baseline=None`` uses the group mean."""
    r = _vector("returns", returns, "reinforce_advantages")
    if baseline is None:
        return r - r.mean()
    check_finite("baseline", float(baseline))
    return r - float(baseline)


def gae(rewards: Floats, values: Floats, gamma: float = 1.0, lam: float = 0.95,
        last_value: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Generalized advantage estimation (Schulman et al. 2016, "High-Dimensional Continuous Control
    Using Generalized Advantage Estimation", eq. 16), computed backwards:
    ``delta_t = r_t + gamma * V_{t+1} - V_t`` with ``V_T = last_value``, and
    ``A_t = delta_t + gamma * lam * A_{t+1}`` (``A_T = 0``).

    Returns ``(advantages, returns)`` with ``returns = advantages + values`` (the value targets).
    A step is a token or a turn: the caller decides. Empty inputs give empty outputs.
    """
    r = _vector("rewards", rewards, "gae", allow_empty=True)
    v = _vector("values", values, "gae", allow_empty=True)
    if r.numel() != v.numel():
        raise ValueError(f"gae needs one value per reward, got {r.numel()} rewards and {v.numel()} values")
    check_finite("last_value", float(last_value))
    advantages = [0.0] * r.numel()
    running, next_value = 0.0, float(last_value)
    for t, (reward, value) in reversed(list(enumerate(zip(r.tolist(), v.tolist())))):
        running = reward + gamma * next_value - value + gamma * lam * running
        advantages[t] = running
        next_value = value
    out = torch.tensor(advantages, dtype=r.dtype, device=r.device)
    return out, out + v.to(r.dtype)


def turn_discounted(advantages_per_turn: Floats, gamma: float,
                    turn_lengths: Sequence[int] | None = None) -> torch.Tensor:
    """Backward discounting over turns, ``A_t = a_t + gamma * A_{t+1}`` (``A_T = 0``), i.e.
    ``A_t = sum_k gamma^k a_{t+k}``, the discounted return (Sutton & Barto 2018, eq. 3.8).

    With ``turn_lengths`` (tokens per turn) the result is per token: turn ``t``'s value repeated
    ``turn_lengths[t]`` times, the turns concatenated.
    """
    a = _vector("advantages_per_turn", advantages_per_turn, "turn_discounted", allow_empty=True)
    discounted = [0.0] * a.numel()
    running = 0.0
    for t, value in reversed(list(enumerate(a.tolist()))):
        running = value + gamma * running
        discounted[t] = running
    out = torch.tensor(discounted, dtype=a.dtype, device=a.device)
    if turn_lengths is None:
        return out
    lengths = [int(n) for n in turn_lengths]
    if len(lengths) != a.numel() or any(n < 0 for n in lengths):
        raise ValueError(f"turn_discounted needs one non-negative length per turn ({a.numel()} turns), "
                         f"got turn_lengths {lengths}")
    return torch.repeat_interleave(out, torch.tensor(lengths, dtype=torch.long, device=a.device))


def gigpo_advantages(episode_returns: Sequence[float], step_rewards: Sequence[Sequence[float]],
                     step_states: Sequence[Sequence[Hashable]], gamma: float = 0.95, omega: float = 1.0,
                     eps: float = 1e-6, normalize: bool = True) -> list[torch.Tensor]:
    """GiGPO's two-level advantage for ONE group of episodes on the same task (Feng et al. 2025,
    "Group-in-Group Policy Optimization for LLM Agent Training"; verl-agent): the episode relative
    advantage, the step relative advantage over anchor-state groups, and their sum
    ``A = A^E + omega * A^S``).

    ``step_rewards[i]`` and ``step_states[i]`` hold episode ``i``'s per-step rewards and the
    hashable key of the state each step acted on (e.g. its observation text).

    - ``A^E``: ``episode_returns`` normalised in the group, ``(R - mean) / (std + eps)`` with the
      unbiased std (``normalize=False``: ``R - mean``), on every step of the episode.
    - ``A^S`` of step ``t`` of episode ``i``: its discounted return
      ``G_{i,t} = sum_k gamma^k r_{i,t+k}`` normalised the same way within its anchor group,
      every step of the group's episodes (the same episode included) whose state key is equal.

    A group of one (one episode, or an anchor state seen once) contributes 0 at its level.
    Returns one tensor per episode, one advantage per step (float32).
    """
    where = "gigpo_advantages"
    n = len(episode_returns)
    if not n == len(step_rewards) == len(step_states):
        raise ValueError(f"{where} needs one reward list and one state list per episode, got {n} returns, "
                         f"{len(step_rewards)} reward lists and {len(step_states)} state lists")
    for i, (rewards, states) in enumerate(zip(step_rewards, step_states)):
        if len(rewards) != len(states):
            raise ValueError(f"{where}: episode {i} has {len(rewards)} step rewards but {len(states)} step states")
    episode_level = _relative(_vector("episode_returns", episode_returns, where).float(), eps, normalize).tolist()
    discounted = [turn_discounted(_vector(f"step_rewards[{i}]", rewards, where, allow_empty=True), gamma).tolist()
                  for i, rewards in enumerate(step_rewards)]
    anchors: dict[Hashable, list[tuple[int, int]]] = {}
    for i, states in enumerate(step_states):
        for t, state in enumerate(states):
            anchors.setdefault(state, []).append((i, t))
    step_level = [[0.0] * len(rewards) for rewards in step_rewards]
    for members in anchors.values():
        scores = _relative(torch.tensor([discounted[i][t] for i, t in members]), eps, normalize)
        for (i, t), score in zip(members, scores.tolist()):
            step_level[i][t] = score
    return [episode_level[i] + omega * torch.tensor(step_level[i], dtype=torch.float32) for i in range(n)]
