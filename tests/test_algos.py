"""agentgym.algos against numbers worked out by hand (the arithmetic is in the comments and the
expected values are plain-float expressions, never the function under test)."""

from __future__ import annotations

import math

import pytest
import torch

from agentgym.algos import (
    aggregate,
    check_finite,
    entropy_from_logits,
    gae,
    gigpo_advantages,
    grpo_advantages,
    kl_penalty,
    ppo_clip_loss,
    reinforce_advantages,
    rloo_advantages,
    turn_discounted,
    value_loss,
)
from agentgym.errors import AgentGymError, NonFiniteError

EPS = 1e-6


def close(actual: torch.Tensor, expected: list[float]) -> None:
    torch.testing.assert_close(actual, torch.tensor(expected, dtype=actual.dtype), rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------------- advantages


def test_grpo_normalises_with_the_unbiased_std():
    # [1, 0, 0, 1]: mean 0.5, deviations +-0.5, unbiased variance 4 * 0.25 / 3 = 1/3
    a = 0.5 / (math.sqrt(1 / 3) + EPS)
    close(grpo_advantages([1.0, 0.0, 0.0, 1.0]), [a, -a, -a, a])
    # a tensor works the same; eps=0 gives exactly 0.5 / sqrt(1/3) = 0.866025...
    close(grpo_advantages(torch.tensor([1.0, 0.0, 0.0, 1.0]), eps=0.0), [0.8660254, -0.8660254, -0.8660254, 0.8660254])


def test_grpo_degenerate_groups_give_zeros():
    close(grpo_advantages([3.0]), [0.0])               # a group of one
    close(grpo_advantages([2.0, 2.0, 2.0]), [0.0, 0.0, 0.0])  # all equal: 0 / (0 + eps)


def test_rloo_subtracts_the_mean_of_the_others():
    # [1, 2, 3, 6]: the others' means are 11/3, 10/3, 9/3, 6/3
    close(rloo_advantages([1.0, 2.0, 3.0, 6.0]), [1 - 11 / 3, 2 - 10 / 3, 3 - 3.0, 6 - 2.0])
    close(rloo_advantages([5.0]), [0.0])


def test_reinforce_subtracts_the_mean_or_the_given_baseline():
    close(reinforce_advantages([1.0, 2.0, 3.0, 6.0]), [-2.0, -1.0, 0.0, 3.0])  # mean 12 / 4 = 3
    close(reinforce_advantages([1.0, 2.0, 3.0, 6.0], baseline=2.5), [-1.5, -0.5, 0.5, 3.5])


def test_gae_over_three_steps():
    # gamma 0.9, lam 0.8 (gamma * lam = 0.72), V_3 = last_value = 0.4
    # delta_2 = 2 + 0.9 * 0.4 - 1.5 = 0.86
    # delta_1 = 0 + 0.9 * 1.5 - 1.0 = 0.35
    # delta_0 = 1 + 0.9 * 1.0 - 0.5 = 1.4
    a2 = 0.86
    a1 = 0.35 + 0.72 * a2   # 0.9692
    a0 = 1.4 + 0.72 * a1    # 2.097824
    advantages, returns = gae([1.0, 0.0, 2.0], [0.5, 1.0, 1.5], gamma=0.9, lam=0.8, last_value=0.4)
    close(advantages, [a0, a1, a2])
    close(returns, [a0 + 0.5, a1 + 1.0, a2 + 1.5])


def test_gae_with_gamma_and_lambda_one_is_the_return_minus_the_value():
    # lam = gamma = 1: A_t = sum_{k >= t} r_k + last_value - V_t
    advantages, _ = gae([1.0, 2.0], [0.5, 0.25], gamma=1.0, lam=1.0)
    close(advantages, [3.0 - 0.5, 2.0 - 0.25])
    empty_advantages, empty_returns = gae([], [])
    assert empty_advantages.numel() == 0 and empty_returns.numel() == 0


def test_turn_discounted_backwards_and_broadcast_to_tokens():
    # gamma 0.5: A_2 = 2, A_1 = 0 + 0.5 * 2 = 1, A_0 = 1 + 0.5 * 1 = 1.5
    close(turn_discounted([1.0, 0.0, 2.0], 0.5), [1.5, 1.0, 2.0])
    close(turn_discounted([1.0, 0.0, 2.0], 0.5, turn_lengths=[2, 0, 3]), [1.5, 1.5, 2.0, 2.0, 2.0])


# Two episodes of one group, gamma 0.5:
#   episode 0: states s0, x, y; rewards 0, 1, 2 -> G = [0 + 0.5 * 1 + 0.25 * 2, 1 + 0.5 * 2, 2] = [1, 2, 2]
#   episode 1: states s0, z;    rewards 2, 0    -> G = [2, 0]
# Anchor s0 holds G = 1 (ep 0) and 2 (ep 1); x, y and z are singletons (A_S = 0).
GIGPO_STEPS = ([[0.0, 1.0, 2.0], [2.0, 0.0]], [["s0", "x", "y"], ["s0", "z"]])


def test_gigpo_two_episodes_one_shared_state():
    # episode returns [3, 0]: mean 1.5, unbiased std sqrt((1.5^2 + 1.5^2) / 1) = 1.5 * sqrt(2)
    a_e = 1.5 / (1.5 * math.sqrt(2) + EPS)
    # anchor s0: mean 1.5, unbiased std sqrt((0.25 + 0.25) / 1) = sqrt(0.5)
    a_s = 0.5 / (math.sqrt(0.5) + EPS)
    ep0, ep1 = gigpo_advantages([3.0, 0.0], *GIGPO_STEPS, gamma=0.5, omega=0.5)
    close(ep0, [a_e + 0.5 * -a_s, a_e, a_e])
    close(ep1, [-a_e + 0.5 * a_s, -a_e])


def test_gigpo_without_normalisation_centres_only():
    # A_E = [3 - 1.5, 0 - 1.5] = [1.5, -1.5]; A_S(s0) = [1 - 1.5, 2 - 1.5] = [-0.5, 0.5]; omega 0.5
    ep0, ep1 = gigpo_advantages([3.0, 0.0], *GIGPO_STEPS, gamma=0.5, omega=0.5, normalize=False)
    close(ep0, [1.5 + 0.5 * -0.5, 1.5, 1.5])
    close(ep1, [-1.5 + 0.5 * 0.5, -1.5])


def test_gigpo_single_episode_groups_its_own_repeated_states():
    # one episode: A_E = 0. States a, a, b; rewards 0, 1, 0; gamma 0.5 -> G = [0.5, 1, 0]
    # anchor a: G = 0.5 and 1, mean 0.75, unbiased std sqrt(2 * 0.25^2) = 0.25 * sqrt(2); b: singleton
    a_s = 0.25 / (0.25 * math.sqrt(2) + EPS)
    (ep,) = gigpo_advantages([1.0], [[0.0, 1.0, 0.0]], [["a", "a", "b"]], gamma=0.5)
    close(ep, [-a_s, a_s, 0.0])


def test_advantages_reject_empty_groups():
    for fn in (grpo_advantages, rloo_advantages, reinforce_advantages):
        with pytest.raises(ValueError, match="empty"):
            fn([])
    with pytest.raises(ValueError, match="empty"):
        gigpo_advantages([], [], [])


def test_advantages_reject_mismatched_lengths():
    with pytest.raises(ValueError, match="one value per reward.*3 rewards and 2 values"):
        gae([1.0, 2.0, 3.0], [0.0, 0.0])
    with pytest.raises(ValueError, match="2 returns, 1 reward lists and 2 state lists"):
        gigpo_advantages([1.0, 0.0], [[1.0]], [["a"], ["b"]])
    with pytest.raises(ValueError, match="episode 1 has 2 step rewards but 1 step states"):
        gigpo_advantages([1.0, 0.0], [[1.0], [0.0, 0.0]], [["a"], ["b"]])
    with pytest.raises(ValueError, match="one non-negative length per turn"):
        turn_discounted([1.0, 2.0], 0.9, turn_lengths=[3])
    with pytest.raises(ValueError, match="1-D"):
        grpo_advantages(torch.zeros(2, 2))


def test_advantages_reject_nan_returns():
    with pytest.raises(ValueError, match=r"returns is not finite: nan at index 2"):
        grpo_advantages([1.0, 0.0, float("nan")])
    with pytest.raises(NonFiniteError, match="returns"):
        rloo_advantages(torch.tensor([1.0, float("inf")]))
    with pytest.raises(NonFiniteError, match="returns"):
        reinforce_advantages([float("nan")])
    with pytest.raises(NonFiniteError, match="rewards"):
        gae([float("nan")], [0.0])
    with pytest.raises(NonFiniteError, match=r"step_rewards\[1\]"):
        gigpo_advantages([1.0, 0.0], [[1.0], [float("inf")]], [["a"], ["b"]])


def test_check_finite_names_the_quantity_and_the_first_bad_index():
    check_finite("fine", torch.ones(3))
    bad = torch.zeros(2, 3)
    bad[1, 2], bad[1, 0] = float("inf"), float("nan")
    with pytest.raises(NonFiniteError, match=r"policy loss is not finite: nan at index \(1, 0\)") as info:
        check_finite("policy loss", bad)
    assert isinstance(info.value, AgentGymError) and isinstance(info.value, ValueError)
    with pytest.raises(NonFiniteError, match="gradient norm"):
        check_finite("gradient norm", torch.tensor(float("inf")))


# --------------------------------------------------------------------------- losses

# Three rows; row 2 has no agent token. turn_ids: -1 off the agent's tokens.
AGG_VALUES = torch.tensor([[1.0, 2.0, 3.0, 4.0], [10.0, 20.0, 30.0, 40.0], [100.0, 100.0, 100.0, 100.0]])
AGG_MASK = torch.tensor([[1, 1, 1, 1], [0, 0, 1, 1], [0, 0, 0, 0]])
AGG_TURNS = torch.tensor([[0, 0, 0, 1], [-1, -1, 0, 1], [-1, -1, -1, -1]])


def test_aggregate_levels_differ_on_the_same_input():
    # token: (1 + 2 + 3 + 4 + 30 + 40) / 6 = 80 / 6
    assert float(aggregate(AGG_VALUES, AGG_MASK)) == pytest.approx(80 / 6)
    # sequence: row 0 mean 10 / 4 = 2.5, row 1 mean 70 / 2 = 35, row 2 has no token -> (2.5 + 35) / 2
    assert float(aggregate(AGG_VALUES, AGG_MASK, "sequence")) == pytest.approx(18.75)
    # turn: (row 0, turn 0) (1 + 2 + 3) / 3 = 2, (0, 1) 4, (1, 0) 30, (1, 1) 40 -> 76 / 4
    assert float(aggregate(AGG_VALUES, AGG_MASK.bool(), "turn", turn_ids=AGG_TURNS)) == pytest.approx(19.0)


def test_aggregate_ignores_non_finite_values_off_the_mask():
    values = AGG_VALUES.clone()
    values[2] = float("nan")
    values[1, 0] = float("inf")
    for level, expected in (("token", 80 / 6), ("sequence", 18.75), ("turn", 19.0)):
        assert float(aggregate(values, AGG_MASK, level, turn_ids=AGG_TURNS)) == pytest.approx(expected)


@pytest.mark.parametrize("level", ["token", "sequence", "turn"])
def test_aggregate_of_an_empty_mask_is_a_zero_with_a_gradient(level):
    values = torch.randn(2, 3, requires_grad=True)
    out = aggregate(values, torch.zeros(2, 3), level, turn_ids=torch.zeros(2, 3, dtype=torch.long))
    assert out.dim() == 0 and float(out.detach()) == 0.0 and out.requires_grad
    out.backward()
    torch.testing.assert_close(values.grad, torch.zeros(2, 3))


def test_aggregate_rejects_bad_arguments():
    with pytest.raises(ValueError, match="token, sequence, turn"):
        aggregate(AGG_VALUES, AGG_MASK, "batch")
    with pytest.raises(ValueError, match="needs turn_ids"):
        aggregate(AGG_VALUES, AGG_MASK, "turn")
    with pytest.raises(ValueError, match=r"one shape.*values \[3, 4\], mask \[3, 3\]"):
        aggregate(AGG_VALUES, AGG_MASK[:, :3])


def _log(ratios: list[float]) -> torch.Tensor:
    return torch.tensor([[math.log(r) for r in ratios]])


def test_ppo_clip_loss_by_hand():
    # eps 0.2 (ratio clipped to [0.8, 1.2]); old log-probs 0 so ratio = exp(logprobs)
    #   t0: r 1.5, A +1: min(1.5, 1.2)   =  1.2  clipped
    #   t1: r 0.5, A +1: min(0.5, 0.8)   =  0.5
    #   t2: r 1.5, A -1: min(-1.5, -1.2) = -1.5
    #   t3: r 0.5, A -1: min(-0.5, -0.8) = -0.8  clipped
    #   t4: r 1.1, A +2: min(2.2, 2.2)   =  2.2
    #   t5: masked out (r e^5, A -10)
    ratios = [1.5, 0.5, 1.5, 0.5, 1.1, math.exp(5.0)]
    logprobs = _log(ratios).requires_grad_(True)
    advantages = torch.tensor([[1.0, 1.0, -1.0, -1.0, 2.0, -10.0]])
    mask = torch.tensor([[1.0, 1.0, 1.0, 1.0, 1.0, 0.0]])
    loss, stats = ppo_clip_loss(logprobs, torch.zeros(1, 6), advantages, mask, clip_eps=0.2)
    assert loss.item() == pytest.approx(-(1.2 + 0.5 - 1.5 - 0.8 + 2.2) / 5)  # -0.32
    assert stats["clip_fraction"] == pytest.approx(2 / 5)
    assert stats["ratio_mean"] == pytest.approx((1.5 + 0.5 + 1.5 + 0.5 + 1.1) / 5)
    assert stats["approx_kl"] == pytest.approx(-(2 * math.log(1.5) + 2 * math.log(0.5) + math.log(1.1)) / 5)
    # d loss / d logprob_t = -A_t * r_t / 5 on unclipped tokens, 0 on clipped and masked ones
    loss.backward()
    close(logprobs.grad, [[0.0, -0.5 / 5, 1.5 / 5, 0.0, -2.2 / 5, 0.0]])


def test_ppo_clip_higher_is_asymmetric():
    # eps 0.2, eps_high 0.28: r 1.5 A +1 -> 1.28 (clipped); r 0.5 A -1 -> -0.8 (lower bound unchanged)
    loss, stats = ppo_clip_loss(_log([1.5, 0.5]), torch.zeros(1, 2), torch.tensor([[1.0, -1.0]]), torch.ones(1, 2),
                                clip_eps=0.2, clip_eps_high=0.28)
    assert loss.item() == pytest.approx(-(1.28 - 0.8) / 2)
    assert stats["clip_fraction"] == pytest.approx(1.0)


def test_ppo_dual_clip_bounds_negative_advantages():
    # dual_clip 3:
    #   r 5.0, A -1: min(-5, -1.2) = -5 -> max(-5, 3 * -1) = -3   dual clip active
    #   r 1.5, A -1: min(-1.5, -1.2) = -1.5 -> max(-1.5, -3) = -1.5
    #   r 5.0, A +1: min(5, 1.2) = 1.2 (A > 0: no dual clip)        clipped
    logprobs = _log([5.0, 1.5, 5.0]).requires_grad_(True)
    loss, stats = ppo_clip_loss(logprobs, torch.zeros(1, 3), torch.tensor([[-1.0, -1.0, 1.0]]), torch.ones(1, 3),
                                dual_clip=3.0)
    assert loss.item() == pytest.approx((3.0 + 1.5 - 1.2) / 3)  # 1.1
    assert stats["clip_fraction"] == pytest.approx(2 / 3)
    assert stats["dual_clip_fraction"] == pytest.approx(1 / 3)
    loss.backward()
    close(logprobs.grad, [[0.0, 1.5 / 3, 0.0]])  # only the unclipped token: -A r / 3 = 1.5 / 3
    with pytest.raises(ValueError, match="dual_clip must be > 1"):
        ppo_clip_loss(logprobs, torch.zeros(1, 3), torch.zeros(1, 3), torch.ones(1, 3), dual_clip=1.0)


def test_ppo_clip_loss_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="one shape"):
        ppo_clip_loss(torch.zeros(2, 3), torch.zeros(2, 4), torch.zeros(2, 3), torch.ones(2, 3))
    for wrong in (torch.zeros(3), torch.zeros(2, 4)):
        with pytest.raises(ValueError, match="advantages per token"):
            ppo_clip_loss(torch.zeros(2, 3), torch.zeros(2, 3), wrong, torch.ones(2, 3))


def test_ppo_clip_loss_per_row_advantages_and_sequence_level():
    # ratio 1 everywhere, so the loss is -A per token; rows: A = 1 (3 tokens) and A = -2 (1 token)
    mask = torch.tensor([[1.0, 1.0, 1.0], [0.0, 0.0, 1.0]])
    advantages = torch.tensor([[1.0], [-2.0]])
    token, _ = ppo_clip_loss(torch.zeros(2, 3), torch.zeros(2, 3), advantages, mask)
    sequence, _ = ppo_clip_loss(torch.zeros(2, 3), torch.zeros(2, 3), advantages, mask, level="sequence")
    assert float(token) == pytest.approx((-1 - 1 - 1 + 2) / 4)
    assert float(sequence) == pytest.approx((-1 + 2) / 2)


def test_kl_penalty_k1_and_k3():
    logprobs, ref = torch.tensor([-1.0, -2.0]), torch.tensor([-1.5, -1.0])
    # k1 = logp - ref = [0.5, -1.0]
    close(kl_penalty(logprobs, ref), [0.5, -1.0])
    # k3 with d = ref - logp = [-0.5, 1.0]: exp(d) - d - 1
    close(kl_penalty(logprobs, ref, "k3"), [math.exp(-0.5) + 0.5 - 1, math.e - 1.0 - 1])  # [0.106531, 0.718282]
    with pytest.raises(ValueError, match="'k2'.*k1, k3"):
        kl_penalty(logprobs, ref, "k2")


def test_entropy_from_logits():
    # uniform over 5 -> log 5, whatever the constant
    close(entropy_from_logits(torch.full((2, 3, 5), 7.0)), [[math.log(5)] * 3] * 2)
    # logits [0, log 3] -> p = [1/4, 3/4]: H = 0.25 ln 4 + 0.75 ln(4/3) = 0.562335
    close(entropy_from_logits(torch.tensor([0.0, math.log(3.0)])), 0.25 * math.log(4) + 0.75 * math.log(4 / 3))
    # huge logits stay finite; a -inf logit counts as probability 0 (no NaN in value or gradient)
    close(entropy_from_logits(torch.tensor([1000.0, 1000.0])), math.log(2))
    logits = torch.tensor([0.0, 0.0, float("-inf")], requires_grad=True)
    entropy = entropy_from_logits(logits)
    close(entropy, math.log(2))
    entropy.backward()
    assert bool(torch.isfinite(logits.grad).all())


def test_value_loss_unclipped_and_clipped():
    values = torch.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    old, returns, mask = torch.tensor([[1.5, 1.5, 1.5]]), torch.tensor([[2.0, 2.0, 1.0]]), torch.ones(1, 3)
    # unclipped squared errors (1 - 2)^2 = 1, 0, (3 - 1)^2 = 4 -> 0.5 * 5 / 3
    assert value_loss(values, old, returns, mask).item() == pytest.approx(0.5 * 5 / 3)
    # clip 0.2: V_clipped = 1.5 + clamp(V - 1.5) = [1.3, 1.7, 1.7]; squared errors 0.49, 0.09, 0.49
    # max with the unclipped: 1, 0.09, 4 -> 0.5 * 5.09 / 3
    loss = value_loss(values, old, returns, mask, clip=0.2)
    assert loss.item() == pytest.approx(0.5 * 5.09 / 3)
    loss.backward()
    # gradient (V - R) / 3 where the unclipped error wins; 0 where the clipped one does (token 1)
    close(values.grad, [[-1.0 / 3, 0.0, 2.0 / 3]])
