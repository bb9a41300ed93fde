"""EPO: entropy-regularised policy optimisation for multi-turn agents.

Xu et al. 2025, "EPO: Entropy-regularized Policy Optimization for LLM Agents Reinforcement
Learning" (arXiv:2509.22576), §3. The policy-gradient loss gets an entropy bonus whose
entropy is kept inside a corridor around its own history:

    L = L_PG - lambda * [L_H - beta_k * L_smooth]

* ``L_H``: the token entropy averaged within each turn, over the turns of a trajectory, over
  the trajectories of the batch (:func:`trajectory_turn_weights` gives each token its weight in
  that mean);
* ``H_bar``: the cumulative mean, over ALL previous RL steps, of each step's batch-mean token
  entropy (:class:`EntropyHistory`; not a sliding window); at step 0 there is no history and no
  smoothing term;
* ``P = max(0, kappa_l * H_bar - H) + max(0, H - kappa_r * H_bar)`` per token
  (:func:`epo_smoothing_penalty`), ``L_smooth`` = the mean of ``alpha * P`` with the weights of
  ``L_H``; the hinge is a function of the current entropy, so it carries gradient;
* ``beta_k = 1 + exp(-gamma * k / k_mid)``, ``k_mid = floor(K / 2)`` (:func:`epo_beta`): the
  smoothing weighs most early in training and decays towards 1.

Defaults as in the paper's setting: ``lambda = 0.001``, ``kappa_l = 0.0``, ``kappa_r = 2.0``,
``gamma = 3.0``, ``alpha = 0.1``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import torch


def epo_beta(step: int, total_steps: int, gamma: float = 3.0) -> float:
    """``beta_k = 1 + exp(-gamma * k / k_mid)`` with ``k_mid = floor(K / 2)`` (EPO, §3.2).

    ``k_mid`` is at least 1, so a run of one step (``K = 1``) is defined: ``beta_0 = 2``.
    """
    if step < 0 or total_steps < 1:
        raise ValueError(f"epo_beta needs step >= 0 and total_steps >= 1, got step {step} and total_steps {total_steps}")
    k_mid = max(1, total_steps // 2)
    return 1.0 + math.exp(-gamma * step / k_mid)


def epo_smoothing_penalty(entropy: torch.Tensor, entropy_ref: float | torch.Tensor, kappa_low: float = 0.0,
                          kappa_high: float = 2.0) -> torch.Tensor:
    """``P = max(0, kappa_low * H_bar - H) + max(0, H - kappa_high * H_bar)``, elementwise
    (EPO, §3.2): zero inside the corridor ``[kappa_low * H_bar, kappa_high * H_bar]``, linear
    outside it, with the gradient of ``H`` (``entropy``) there; ``H_bar`` (``entropy_ref``) is a
    constant."""
    if kappa_low > kappa_high:
        raise ValueError(f"the corridor needs kappa_low <= kappa_high, got {kappa_low} and {kappa_high}")
    ref = torch.as_tensor(entropy_ref, dtype=entropy.dtype, device=entropy.device).detach()
    return torch.relu(kappa_low * ref - entropy) + torch.relu(entropy - kappa_high * ref)


def trajectory_turn_weights(mask: torch.Tensor, turn_ids: torch.Tensor, episode_ids: torch.Tensor) -> torch.Tensor:
    """Per-token weights of the mean "within each turn, over the turns of a trajectory, over the
    trajectories of the batch" (EPO's ``L_H``): a masked token of turn ``t`` of trajectory ``e``
    weighs ``1 / (E * T_e * N_{e,t})`` (``E`` trajectories in the batch, ``T_e`` turns of
    ``e``, ``N_{e,t}`` tokens of the turn); everything else 0. The weights sum to 1 (or are all
    0 for an empty mask), so ``(weights * values).sum()`` is that mean, and it splits into
    micro-batches by plain summation.

    ``mask`` and ``turn_ids`` are ``[batch, seq]``; ``episode_ids`` ``[batch]`` names each row's
    trajectory (a trajectory may span several rows, e.g. one row per turn). Tokens with a
    negative turn id count for nothing.
    """
    if mask.shape != turn_ids.shape or mask.dim() != 2 or episode_ids.shape != mask.shape[:1]:
        raise ValueError(f"trajectory_turn_weights needs mask and turn_ids [batch, seq] and episode_ids [batch], got "
                         f"{list(mask.shape)}, {list(turn_ids.shape)} and {list(episode_ids.shape)}")
    keep = (mask != 0) & (turn_ids >= 0)
    weights = torch.zeros(mask.shape, dtype=torch.float32, device=mask.device)
    if not bool(keep.any()):
        return weights
    episodes = episode_ids.to(torch.long).unsqueeze(-1).expand_as(turn_ids)[keep]
    turns = turn_ids.to(torch.long)[keep]
    _, turn_slot, turn_tokens = torch.unique(torch.stack([episodes, turns], dim=-1), dim=0, return_inverse=True,
                                             return_counts=True)
    episode_of_turn = torch.zeros(turn_tokens.shape[0], dtype=torch.long, device=mask.device).scatter(0, turn_slot, episodes)
    _, episode_slot, turns_per_episode = torch.unique(episode_of_turn, return_inverse=True, return_counts=True)
    n_episodes = turns_per_episode.shape[0]
    per_turn = 1.0 / (n_episodes * turns_per_episode[episode_slot].float() * turn_tokens.float())
    weights[keep] = per_turn[turn_slot]
    return weights


def epo_loss_term(entropy: torch.Tensor, weights: torch.Tensor, entropy_ref: float | None, beta: float, *,
                  lam: float = 0.001, alpha: float = 0.1, kappa_low: float = 0.0, kappa_high: float = 2.0,
                  ) -> tuple[torch.Tensor, dict[str, float]]:
    """The term EPO adds to the policy-gradient loss: ``-lam * [L_H - beta * L_smooth]``.

    ``entropy`` holds per-token entropies (with their gradient) and ``weights`` the averaging
    weights of :func:`trajectory_turn_weights` (of the whole batch: summing the term over
    micro-batches gives the batch's). ``entropy_ref`` is ``H_bar`` (None at step 0: no
    smoothing). Returns the term and, as floats, ``entropy`` (``L_H``), ``smooth``
    (``L_smooth``) and ``outside`` (the weight share of tokens outside the corridor).
    """
    weights = weights.to(entropy.dtype)
    active = weights != 0
    entropy_mean = torch.where(active, entropy * weights, 0).sum()
    stats = {"entropy": float(entropy_mean.detach())}
    if entropy_ref is None:
        return -lam * entropy_mean, stats
    penalty = epo_smoothing_penalty(entropy, entropy_ref, kappa_low, kappa_high)
    smooth = torch.where(active, alpha * penalty * weights, 0).sum()
    stats["smooth"] = float(smooth.detach())
    stats["outside"] = float(torch.where(active & (penalty > 0), weights, 0).sum())
    return -lam * (entropy_mean - beta * smooth), stats


@dataclass
class EntropyHistory:
    """``H_bar``: the cumulative mean of the batch-mean token entropy of every RL step so far
    (EPO, §3.2: all previous steps, not a window). :attr:`reference` is None until a step was
    recorded; ``state_dict`` / ``load_state_dict`` carry it through checkpoints."""

    values: list[float] = field(default_factory=list)

    def update(self, batch_mean_entropy: float) -> None:
        value = float(batch_mean_entropy)
        if not math.isfinite(value):
            raise ValueError(f"a batch's mean entropy must be finite, got {value}")
        self.values.append(value)

    @property
    def reference(self) -> float | None:
        return sum(self.values) / len(self.values) if self.values else None

    def trend(self, window: int = 5) -> float:
        """Least-squares slope of the last ``window`` steps' entropies per step (a collapse
        diagnostic: steadily negative means the entropy is falling); 0 with fewer than 2."""
        recent = self.values[-window:]
        n = len(recent)
        if n < 2:
            return 0.0
        mean_x, mean_y = (n - 1) / 2, sum(recent) / n
        return sum((x - mean_x) * (y - mean_y) for x, y in enumerate(recent)) / sum((x - mean_x) ** 2 for x in range(n))

    def state_dict(self) -> dict[str, Any]:
        return {"values": list(self.values)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.values = [float(v) for v in state.get("values", [])]
