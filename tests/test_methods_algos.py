"""G-RA, EPO, IGPO and HeRL as pure functions, against numbers computed by hand from the papers' equations
(IGPO's answer probability against a real transformers model)."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from agentgym.algos import (  # noqa: E402
    EntropyHistory,
    epo_beta,
    epo_loss_term,
    epo_smoothing_penalty,
    gated_reward_levels,
    gated_rewards,
    answer_probabilities,
    answer_probability,
    igpo_advantages,
    information_gain_rewards,
    trajectory_turn_weights,
)
from agentgym.algos import herl_bonus, herl_guided_objective, rubric_score  # noqa: E402


# G-RA: R = r_high + 1[r_high >= threshold] * sum_t r_low,t -------------------------------------
def test_gated_rewards_open_and_closed_gate():
    assert gated_rewards([0.1, 0.2, 0.3], outcome=1.0, threshold=1.0) == pytest.approx([0.1, 0.2, 1.3])  # >= opens
    assert gated_rewards([0.1, 0.2, 0.3], outcome=0.5, threshold=1.0) == pytest.approx([0.0, 0.0, 0.5])
    assert gated_rewards([0.4], outcome=-1.0, threshold=0.0) == pytest.approx([-1.0])
    assert sum(gated_rewards([0.5, 0.5], outcome=2.0, threshold=1.0)) == pytest.approx(3.0)


def test_gated_reward_levels_count_a_level_only_if_every_higher_one_clears():
    levels = [[0.0, 0.0, 1.0], [0.0, 0.5, 0.0], [0.1, 0.1, 0.1]]
    # level 0 sums to 1 >= 1: level 1 counts; level 1 sums to 0.5 < 1: level 2 does not
    assert gated_reward_levels(levels, [1.0, 1.0, 0.0]) == pytest.approx([0.0, 0.5, 1.0])
    # level 1 clears 0.5: every level counts
    assert gated_reward_levels(levels, [1.0, 0.5, 0.0]) == pytest.approx([0.1, 0.6, 1.1])
    # the top level misses: only it counts
    assert gated_reward_levels(levels, [2.0, 0.0, 0.0]) == pytest.approx([0.0, 0.0, 1.0])


def test_gated_rewards_refuse_bad_input():
    with pytest.raises(ValueError, match="at least one turn"):
        gated_rewards([], outcome=1.0, threshold=0.0)
    with pytest.raises(ValueError, match="not finite"):
        gated_rewards([0.1, float("nan")], outcome=1.0, threshold=0.0)
    with pytest.raises(ValueError, match="one reward per turn"):
        gated_reward_levels([[1.0, 0.0], [0.1]], [0.0, 0.0])
    with pytest.raises(ValueError, match="one threshold per level"):
        gated_reward_levels([[1.0]], [0.0, 0.0])


# EPO ---------------------------------------------------------------------------------------
def test_epo_beta_decays_from_two_with_k_mid_half_the_run():
    assert epo_beta(0, 10) == pytest.approx(2.0)
    assert epo_beta(5, 10) == pytest.approx(1 + math.exp(-3.0))  # k_mid = 5
    assert epo_beta(3, 7) == pytest.approx(1 + math.exp(-3.0))  # k_mid = floor(7 / 2) = 3
    assert epo_beta(4, 10, gamma=1.0) == pytest.approx(1 + math.exp(-0.8))
    assert epo_beta(0, 1) == pytest.approx(2.0)  # k_mid is at least 1
    with pytest.raises(ValueError):
        epo_beta(-1, 10)


def test_epo_smoothing_penalty_is_a_hinge_outside_the_corridor_with_gradient():
    entropy = torch.tensor([0.5, 1.0, 3.0, 5.0], requires_grad=True)
    penalty = epo_smoothing_penalty(entropy, 2.0, kappa_low=0.5, kappa_high=2.0)  # corridor [1, 4]
    assert penalty.tolist() == pytest.approx([0.5, 0.0, 0.0, 1.0])
    penalty.sum().backward()
    assert entropy.grad.tolist() == pytest.approx([-1.0, 0.0, 0.0, 1.0])
    assert epo_smoothing_penalty(torch.tensor([0.1, 9.0]), 2.0).tolist() == pytest.approx([0.0, 5.0])  # defaults [0, 2 H]


def test_trajectory_turn_weights_average_within_turns_then_trajectories():
    # episode 0: one row, turn 0 has 2 tokens, turn 1 has 1; episode 1: two rows (one per turn), 3 tokens then 1
    mask = torch.tensor([[0, 1, 1, 0, 1], [1, 1, 1, 0, 0], [0, 0, 1, 0, 0]])
    turns = torch.tensor([[-1, 0, 0, -1, 1], [0, 0, 0, -1, -1], [-1, -1, 1, -1, -1]])
    weights = trajectory_turn_weights(mask, turns, torch.tensor([0, 1, 1]))
    # a token of turn t of episode e weighs 1 / (E * T_e * N_et): E = 2, T = 2 for both
    expected = [[0, 1 / 8, 1 / 8, 0, 1 / 4], [1 / 12, 1 / 12, 1 / 12, 0, 0], [0, 0, 1 / 4, 0, 0]]
    assert weights.tolist() == [pytest.approx(row) for row in expected]
    assert float(weights.sum()) == pytest.approx(1.0)
    assert float(trajectory_turn_weights(torch.zeros(1, 3), torch.full((1, 3), -1), torch.tensor([0])).sum()) == 0.0


def test_epo_loss_term_by_hand():
    entropy = torch.tensor([[1.0, 3.0, 0.5]], requires_grad=True)
    weights = torch.tensor([[0.25, 0.25, 0.5]])
    # step 0: no history, no smoothing: -lam * L_H, L_H = 0.25 + 0.75 + 0.25 = 1.25
    term, stats = epo_loss_term(entropy, weights, None, beta=2.0, lam=0.1)
    assert float(term.detach()) == pytest.approx(-0.125) and stats == {"entropy": pytest.approx(1.25)}
    # H_bar = 1, corridor [0, 2]: P = [0, 1, 0], L_smooth = alpha * 0.25 * 1 = 0.025
    term, stats = epo_loss_term(entropy, weights, 1.0, beta=2.0, lam=0.1, alpha=0.1)
    assert float(term.detach()) == pytest.approx(-0.1 * (1.25 - 2.0 * 0.025))
    assert stats["smooth"] == pytest.approx(0.025) and stats["outside"] == pytest.approx(0.25)
    term.backward()
    # d/dH of -lam * (w H - beta * alpha * w * relu(H - 2)) = -lam * w * (1 - beta * alpha * [H > 2])
    assert entropy.grad.tolist() == [pytest.approx([-0.025, -0.1 * 0.25 * (1 - 0.2), -0.05])]


def test_entropy_history_is_the_cumulative_mean_of_every_step():
    history = EntropyHistory()
    assert history.reference is None and history.trend() == 0.0
    for value in [4.0, 2.0, 3.0, 1.0, 1.0, 1.0, 1.0, 1.0]:
        history.update(value)
    assert history.reference == pytest.approx(14.0 / 8)  # all steps, not the last few
    restored = EntropyHistory()
    restored.load_state_dict(history.state_dict())
    assert restored.reference == history.reference
    falling = EntropyHistory([5.0, 4.0, 3.0])
    assert falling.trend() == pytest.approx(-1.0)
    with pytest.raises(ValueError, match="finite"):
        history.update(float("nan"))


# IGPO --------------------------------------------------------------------------------------
def test_information_gain_is_the_increase_of_the_answer_probability():
    assert information_gain_rewards([0.1, 0.3, 0.25, 0.9]) == pytest.approx([0.2, -0.05, 0.65])
    with pytest.raises(ValueError, match="p_0"):
        information_gain_rewards([0.5])


def test_igpo_advantages_pool_the_group_then_discount():
    # pool [1, 0, 0, 3]: mean 1, unbiased var 2, std sqrt(2 + 1e-8); z = [0, -1, -1, 2] / sqrt 2
    a, b = igpo_advantages([[1.0, 0.0], [0.0, 3.0]], gamma=0.5)
    r = math.sqrt(2 + 1e-8)
    assert a.tolist() == pytest.approx([0 + 0.5 * (-1 / r), -1 / r])
    assert b.tolist() == pytest.approx([-1 / r + 0.5 * (2 / r), 2 / r])
    (single,) = igpo_advantages([[0.7]])  # a pool of one: std 1, centred: 0
    assert single.tolist() == pytest.approx([0.0])
    with pytest.raises(ValueError, match="NaN"):
        igpo_advantages([[float("nan")]])


def test_answer_probability_is_the_geometric_mean_of_the_teacher_forced_token_probabilities():
    pytest.importorskip("transformers")
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    model = LlamaForCausalLM(LlamaConfig(vocab_size=50, hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                                         num_attention_heads=2, num_key_value_heads=2)).eval()
    context, reference = [3, 7, 11, 2], [5, 9, 13]
    with torch.no_grad():
        logp = torch.log_softmax(model(input_ids=torch.tensor([context + reference])).logits[0].float(), dim=-1)
    by_hand = math.exp(sum(float(logp[len(context) - 1 + j, t]) for j, t in enumerate(reference)) / len(reference))
    assert answer_probability(model, context, reference) == pytest.approx(by_hand, rel=1e-5)
    # batched over contexts of different lengths (right padding changes nothing)
    shorter = context[:2]
    together = answer_probabilities(model, [context, shorter], reference)
    assert together == pytest.approx([by_hand, answer_probability(model, shorter, reference)], rel=1e-5)
    with pytest.raises(ValueError, match="reference"):
        answer_probability(model, context, [])


# HeRL --------------------------------------------------------------------------------------
def test_rubric_score_is_the_weighted_mean_of_the_criteria():
    assert rubric_score({"key": 1.0, "door": 0.0, "coin": 0.0}) == pytest.approx(1 / 3)
    assert rubric_score({"key": 1.0, "door": 0.0, "coin": 0.0}, {"coin": 2.0}) == pytest.approx(1 / 4)
    assert rubric_score({}) == 0.0
    with pytest.raises(ValueError):
        rubric_score({"a": 1.0}, {"a": 0.0})


def test_herl_bonus_moves_rewards_towards_what_the_hindsight_reached():
    assert herl_bonus([0.2, 0.5, 0.0], [1.0, None, 0.0], alpha=0.05) == pytest.approx([0.2 + 0.05 * 0.8, 0.5, 0.0])
    assert herl_bonus([0.6], [0.2], alpha=0.5) == pytest.approx([0.4])  # worse under guidance: a negative bonus
    with pytest.raises(ValueError, match="one guided score"):
        herl_bonus([0.1, 0.2], [None])


def test_herl_guided_objective_by_hand():
    logp = torch.tensor([math.log(0.5), math.log(0.2)], requires_grad=True)
    old = torch.tensor([math.log(0.25), math.log(0.4)])  # rho = [2, 0.5]
    advantages = torch.tensor([1.0, -2.0])
    loss = herl_guided_objective(logp, old, advantages, gamma_s=1.0)
    assert loss.tolist() == pytest.approx([-1.0 * 2 / 3, 2.0 * 0.5 / 1.5])
    loss.sum().backward()
    # d/dlogp of -A rho / (rho + g) = -A * g * rho / (rho + g)^2
    assert logp.grad.tolist() == pytest.approx([-1.0 * 2 / 9, 2.0 * 0.5 / 2.25])
    plain = herl_guided_objective(logp.detach(), old, advantages, gamma_s=0.0)
    assert plain.tolist() == pytest.approx([-2.0, 1.0])  # no shaping, no clipping
