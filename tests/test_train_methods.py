"""G-RA, EPO, IGPO and HeRL as trainer features: the shaping of real episodes, and whole runs on a real
env with a tiny model, each switched on by config."""

from __future__ import annotations

import dataclasses
import json

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

import agentgym  # noqa: E402
from agentgym.errors import ConfigError  # noqa: E402
from agentgym.algos import answer_probability  # noqa: E402
from agentgym.policy import SamplingParams  # noqa: E402
from agentgym.rollout import RunSettings, run_episode, validate_episode  # noqa: E402
from agentgym.rollout.collector import EpisodeSpec, collect  # noqa: E402
from agentgym.rollout.pool import InProcessPool  # noqa: E402
from agentgym.rollout.tokens import window_prompt_text  # noqa: E402
from agentgym.trajectory.reader import read_episodes  # noqa: E402
from agentgym.trajectory.records import Episode, Turn  # noqa: E402
from agentgym.trajectory.summary import summarize  # noqa: E402
from agentgym.train import load_train_config, train  # noqa: E402
from agentgym.train.config import HeRLSection  # noqa: E402
from agentgym.train.credit import igpo_turn_rewards  # noqa: E402
from agentgym.train.hindsight import episode_score, merge_guided, plan_guided  # noqa: E402
from agentgym.train.info_gain import reference_function, set_information_gain  # noqa: E402
from agentgym.train.samples import training_samples  # noqa: E402
from agentgym.train.shaping import apply_gated_rewards, outcome_reward, step_rewards  # noqa: E402
from policies.hf import HFPolicy  # noqa: E402
from policies.tiny import offline_tokenizer, tiny_config  # noqa: E402

TOY = {"num_rooms": 3, "num_locks": 1, "num_distractors": 0}


def toy_episodes(policy: str, seeds) -> list[Episode]:
    env = agentgym.make("toy/keys-v0", **TOY, max_episode_steps=6)
    return [run_episode(env, agentgym.make_policy(policy, seed=s), env_id="toy/keys-v0", seed=s) for s in seeds]


def test_gated_rewards_on_real_episodes_pay_steps_only_to_won_ones():
    won = toy_episodes("expert", [0, 1])
    lost = [e for e in toy_episodes("random", range(2, 12)) if not e.success][:2]
    assert all(e.success for e in won) and len(lost) == 2
    episodes = won + lost
    metrics = apply_gated_rewards(episodes, step_weights={"action_valid": 0.1}, outcome="won", threshold=1.0)
    for episode in episodes:
        valid = sum(t.info["action_valid"] is True for t in episode.turns)
        total = sum(t.reward + sum(t.shaped_rewards.values()) for t in episode.turns)
        assert total == pytest.approx(1.0 + 0.1 * valid if episode.success else 0.0)
        # the step rewards stay on the turns that earned them, the outcome on the last turn
        if episode.success:
            firsts = [t.reward + t.shaped_rewards["gated"] for t in episode.turns[:-1]]
            assert firsts == pytest.approx([0.1 if t.info["action_valid"] else 0.0 for t in episode.turns[:-1]])
    assert metrics["reward/gate_open_rate"] == pytest.approx(0.5)
    # direct accumulation (gate off) pays the valid steps of the lost episodes too
    apply_gated_rewards(lost, step_weights={"action_valid": 0.1}, outcome="won", gate=False)
    for episode in lost:
        total = sum(t.reward + sum(t.shaped_rewards.values()) for t in episode.turns)
        assert total == pytest.approx(0.1 * sum(t.info["action_valid"] is True for t in episode.turns))


def swe_episode(outcome: str | None, calls: list[tuple[bool, bool]]) -> Episode:
    """An SWE episode as the env records it: each tool call's ``tool_ok`` / ``modified``, the
    evaluation's ``outcome`` level and episode flags on the last turn (None: cut short)."""
    turns = [Turn(raw_output="```bash\nls\n```", action="ls", observation="...", reward=0.0,
                  info={"task_id": "swe/t", "tool_ok": ok, "modified": changed}) for ok, changed in calls]
    if outcome is not None:
        turns[-1].info.update(outcome=outcome, completed=outcome != "no_submit", modified_repo=any(c for _, c in calls),
                              resolved=outcome == "passing_patch")
        turns[-1].reward = 1.0 if outcome == "passing_patch" else 0.0
    return Episode(env_id="swe/local-v0", task_id="swe/t", seed=0, first_observation="Fix it.", turns=turns,
                   success=outcome == "passing_patch")


def test_swe_outcome_levels_are_the_default_gate():
    calls = [(True, False), (True, True), (False, False)]
    episodes = [swe_episode(level, calls) for level in ("no_submit", "empty_patch", "failing_patch", "passing_patch")]
    episodes.append(swe_episode(None, calls))  # truncated before any evaluation: no submit
    assert [outcome_reward(e) for e in episodes] == [0.0, 0.25, 0.5, 1.0, 0.0]
    assert step_rewards(episodes[0], {"tool_ok": 0.1, "modified": 0.2}) == pytest.approx([0.1, 0.3, 0.0])
    apply_gated_rewards(episodes, step_weights={"tool_ok": 0.1, "modified": 0.2})  # auto: SWE levels, threshold 0.5
    totals = [sum(t.reward + sum(t.shaped_rewards.values()) for t in e.turns) for e in episodes]
    assert totals == pytest.approx([0.0, 0.25, 0.5 + 0.4, 1.0 + 0.4, 0.0])
    rates = summarize(episodes[:4])
    assert (rates["completion_rate"], rates["modification_rate"], rates["resolution_rate"]) == (0.75, 1.0, 0.25)
    assert "completion_rate" not in summarize(toy_episodes("expert", [0]))
    with pytest.raises(ValueError, match="unknown step signal"):
        step_rewards(episodes[0], {"compiles": 1.0})


@pytest.fixture(scope="module")
def tiny_policy():
    experts = toy_episodes("expert", range(3))
    corpus = [e.first_observation for e in experts] + [t.action + "\n" + t.observation for e in experts for t in e.turns]
    tokenizer = offline_tokenizer(corpus * 4, "chatml", vocab_size=300)
    return HFPolicy.from_config(tiny_config(tokenizer, hidden_size=32, layers=1, heads=2), tokenizer, device="cpu", seed=0)


def test_information_gain_scores_the_reference_after_each_turns_exact_context(tiny_policy):
    policy, tokenizer = tiny_policy, tiny_policy.tokenizer
    settings = RunSettings(context="window", window_turns=1, sampling=SamplingParams(max_new_tokens=6), max_turns=4)
    episode = run_episode(agentgym.make("toy/keys-v0", **TOY), policy, env_id="toy/keys-v0", seed=7, settings=settings)
    assert episode.num_turns >= 2
    reference = episode.start_info["reference"]
    metrics = set_information_gain([episode], policy, reference_function(""))
    # the window prompt of each turn, rebuilt from the conversation text
    reference_ids = tokenizer.encode(reference, add_special_tokens=False) + [tokenizer.eos_token_id]
    probs = []
    for k in range(episode.num_turns):
        exchanges = [(t.raw_output, t.observation) for t in episode.turns[:k]]
        prompt = tokenizer.encode(window_prompt_text(tokenizer, episode.first_observation, exchanges, 1), add_special_tokens=False)
        probs.append(answer_probability(policy, prompt, reference_ids))
    gains = [t.shaped_rewards["info_gain"] for t in episode.turns[:-1]]
    assert gains == pytest.approx([b - a for a, b in zip(probs, probs[1:])], rel=1e-4, abs=1e-7)
    assert "info_gain" not in episode.turns[-1].shaped_rewards
    assert metrics["igpo/p_first"] == pytest.approx(probs[0], rel=1e-4) and metrics["igpo/no_reference"] == 0
    # IGPO's turn rewards: the gains, then the outcome (the episode's reward) on the last turn
    assert igpo_turn_rewards(episode) == pytest.approx(gains + [episode.return_])
    without = run_episode(agentgym.make("toy/keys-v0", **TOY), policy, env_id="toy/keys-v0", seed=7, settings=settings)
    assert set_information_gain([without], policy, lambda e: None)["igpo/no_reference"] == 1.0


@pytest.mark.parametrize("context", ["concat", "window"])
def test_a_guided_episode_is_laid_out_again_without_its_guidance(tiny_policy, context):
    tokenizer = tiny_policy.tokenizer
    settings = RunSettings(context=context, window_turns=1, sampling=SamplingParams(max_new_tokens=6), max_turns=3)
    pool = InProcessPool([lambda: agentgym.make("toy/keys-v0", **TOY)])
    spec = EpisodeSpec("toy/keys-v0", 4, group_id="g", sampling_seed=1, guidance="Hint: take the key first.")
    [episode] = list(collect(pool, tiny_policy, [spec], settings=settings))
    assert episode.first_observation.startswith("Hint: take the key first.\n\n")
    assert episode.metadata["unguided_first_observation"] == episode.first_observation.split("\n\n", 1)[1]
    assert validate_episode(episode, tokenizer) is None  # played token-exact, guidance included
    episode.metadata["herl_guided"] = True
    samples = training_samples(episode, 0, tokenizer, context=context, window_turns=1)
    assert all(s.off_policy for s in samples)
    unguided = dataclasses.replace(episode, first_observation=episode.metadata["unguided_first_observation"])
    generated = [episode.token_ids[t.token_start:t.token_end] for t in episode.turns]
    sampled = [episode.logprobs[t.token_start:t.token_end] for t in episode.turns]
    for k, sample in enumerate(samples if context == "window" else [samples[0]] * episode.num_turns):
        # the generated tokens and their sampling log-probs are kept exactly
        ids = [i for i, m, t in zip(sample.token_ids, sample.loss_mask, sample.turn_ids) if m and t == k]
        logprobs = [p for p, m, t in zip(sample.logprobs, sample.loss_mask, sample.turn_ids) if m and t == k]
        assert ids == generated[k] and logprobs == pytest.approx(sampled[k])
    if context == "window":  # each prompt is the one an unguided episode would have had
        for k, sample in enumerate(samples):
            exchanges = [(t.raw_output, t.observation) for t in episode.turns[:k]]
            prompt = tokenizer.encode(window_prompt_text(tokenizer, unguided.first_observation, exchanges, 1),
                                      add_special_tokens=False)
            assert sample.token_ids[:len(prompt)] == prompt and "Hint" not in tokenizer.decode(sample.token_ids)
    else:
        assert "Hint" not in tokenizer.decode(samples[0].token_ids)
        assert samples[0].token_ids[-len(episode.token_ids) + episode.turns[0].token_start:] == \
            episode.token_ids[episode.turns[0].token_start:]  # after the first prompt: the same tokens


def test_hindsight_reruns_groups_that_fell_short_and_guided_winners_join_them():
    section = HeRLSection(enabled=True, max_guided=2, replace_top_n=1, alpha=0.1)
    failed = [e for e in toy_episodes("random", range(40)) if not e.success]
    group_a, group_b = failed[:3], toy_episodes("expert", [1, 1])
    for e in group_a:
        e.group_id, e.seed = "a", failed[0].seed
    for e in group_b:
        e.group_id = "b"
    for e in group_a:  # group a played a curriculum's task: its re-runs must play that task, not the env's default
        e.metadata["reset_options"] = {"task": {"num_rooms": 4}}
    specs = plan_guided(group_a + group_b, section, seed=0, iteration=0)
    # group b won (score 1 >= threshold): no re-run; group a: its two best attempts, on its task
    assert len(specs) == 2 and all(s.seed == failed[0].seed and s.guidance for s in specs)
    assert all(s.options == {"task": {"num_rooms": 4}} for s in specs)
    specs = [dataclasses.replace(s, options=None) for s in specs]  # these episodes were played without options
    best = max(group_a, key=episode_score)
    assert "not achieved" in specs[0].guidance and best.turns[0].action in specs[0].guidance
    # the guided re-runs, played by the expert (which reads the task and ignores hints), win
    pool = InProcessPool([lambda: agentgym.make("toy/keys-v0", **TOY)])
    guided = list(collect(pool, agentgym.make_policy("expert"), specs))
    assert all(g.success for g in guided)
    training, metrics = merge_guided(group_a + group_b, guided, section, seed=0, iteration=0)
    assert metrics["herl/replaced"] == 1 and metrics["herl/guided_episodes"] == 2 and metrics["herl/guidance_helped"] == 2
    joined = [e for e in training if e.metadata.get("herl_guided")]
    assert len(joined) == 1 and joined[0].group_id == "a" and len(training) == 5
    assert sum(e.metadata.get("herl_replaced", False) for e in group_a) == 1
    sources = {s.group_id.rpartition("hindsight-")[2] for s in specs}
    for e in training:
        total = sum(t.reward + sum(t.shaped_rewards.values()) for t in e.turns)
        score = episode_score(e)
        expected = score + 0.1 * (1.0 - score) if e.episode_id in sources else score  # guided runs scored 1.0
        assert total == pytest.approx(expected)


def methods_config(tmp_path, **sections):
    return load_train_config(data={
        "name": "methods", "out_dir": str(tmp_path), "seed": 5,
        "env": {"id": "toy/keys-v0", "kwargs": TOY, "eval_kwargs": {}, "train_tasks": 4, "eval_seed": 100,
                "workers": 2, "context": "window", "window_turns": 1, "max_turns": 6},
        "model": {"vocab_size": 300, "hidden_size": 32, "layers": 1, "heads": 2, "corpus_episodes": 4},
        "rl": {"iterations": 2, "tasks_per_iteration": 2, "group_size": 3, "max_new_tokens": 6, "skip_uniform_groups": False},
        "eval": {"episodes": 2, "max_new_tokens": 6},
        "log": {"checkpoint_every": 1, "progress": False},
        **sections,
    })


@pytest.mark.slow
def test_gra_and_epo_switched_on_by_config_run_end_to_end(tmp_path):
    config = methods_config(tmp_path, gra={"enabled": True, "outcome": "won", "step_rewards": {"action_valid": 0.1}},
                            epo={"enabled": True, "coef": 0.01})
    train(config)
    run = tmp_path / "methods"
    for episode in (e for e in read_episodes(run) if e.metadata["phase"] == "rl"):
        total = sum(t.reward + sum(t.shaped_rewards.values()) for t in episode.turns)
        valid = sum(t.info.get("action_valid") is True for t in episode.turns)
        assert total == pytest.approx(1.0 + 0.1 * valid if episode.success else 0.0, abs=1e-6)
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    first, second = [r for r in records if r["phase"] == "rl"]
    assert "reward/gate_open_rate" in first and "train/valid_action_rate" in first
    # step 0 has no history: no smoothing, no corridor; step 1's H_bar is step 0's mean entropy
    assert first["epo/beta"] == pytest.approx(2.0) and "epo/entropy_ref" not in first and "epo/smooth" not in first
    assert second["epo/entropy_ref"] == pytest.approx(first["epo/token_entropy"])
    assert second["epo/corridor_high"] == pytest.approx(2.0 * first["epo/token_entropy"])
    assert second["epo/beta"] == pytest.approx(1.0 + torch.exp(torch.tensor(-3.0)).item())  # k = 1, k_mid = 1
    assert "epo/smooth" in second and 0.0 <= second["epo/outside"] <= 1.0
    state = json.loads((run / "checkpoints" / "iter-000002" / "trainer_state.json").read_text())
    assert state["entropy_history"] == pytest.approx([first["epo/token_entropy"], second["epo/token_entropy"]])


@pytest.mark.slow
def test_igpo_runs_end_to_end(tmp_path):
    config = methods_config(tmp_path, rl={"algo": "igpo", "iterations": 1, "tasks_per_iteration": 2, "group_size": 3,
                                          "max_new_tokens": 6}, igpo={"gamma": 0.9})
    config.sft.episodes = 0
    train(config)
    records = [json.loads(line) for line in (tmp_path / "methods" / "metrics.jsonl").read_text().splitlines()]
    [iteration] = [r for r in records if r["phase"] == "rl"]
    assert 0.0 < iteration["igpo/p_first"] < 1.0 and iteration["igpo/no_reference"] == 0
    episodes = [e for e in read_episodes(tmp_path / "methods") if e.metadata["phase"] == "rl"]
    assert all("info_gain" in t.shaped_rewards for e in episodes for t in e.turns[:-1])


@pytest.mark.slow
def test_herl_runs_end_to_end(tmp_path):
    config = methods_config(tmp_path, herl={"enabled": True, "max_guided": 1})
    config.rl.iterations = 1
    train(config)
    records = [json.loads(line) for line in (tmp_path / "methods" / "metrics.jsonl").read_text().splitlines()]
    [iteration] = [r for r in records if r["phase"] == "rl"]
    assert "herl/score_mean" in iteration
    episodes = [e for e in read_episodes(tmp_path / "methods") if e.metadata["phase"] == "rl"]
    guided = [e for e in episodes if e.metadata.get("herl_guided")]
    assert len(guided) == iteration["herl/guided_episodes"] and all(e.metadata["guidance"] for e in guided)
    assert sum(e.metadata.get("herl_replaced", False) for e in episodes) == iteration["herl/replaced"]


def test_method_configs_refuse_what_cannot_run(tmp_path):
    with pytest.raises(ConfigError, match="gra.step_rewards.*compiles"):
        methods_config(tmp_path, gra={"enabled": True, "step_rewards": {"compiles": 1.0}})
    with pytest.raises(ConfigError, match="gra.outcome"):
        methods_config(tmp_path, gra={"enabled": True, "outcome": "vibes"})
    with pytest.raises(ConfigError, match="entropy_coef"):
        methods_config(tmp_path, epo={"enabled": True}, rl={"entropy_coef": 0.01})
    with pytest.raises(ConfigError, match="kappa_low"):
        methods_config(tmp_path, epo={"enabled": True, "kappa_low": 3.0})
    with pytest.raises(ConfigError, match="unknown EPOSection key"):
        methods_config(tmp_path, epo={"lambda": 0.1})
    with pytest.raises(ConfigError, match="enable one"):
        methods_config(tmp_path, herl={"enabled": True}, gra={"enabled": True})
    with pytest.raises(ConfigError, match="herl.prompt"):
        methods_config(tmp_path, herl={"enabled": True, "prompt": "{task} {met}"})
    with pytest.raises(ConfigError, match="igpo.reference"):
        methods_config(tmp_path, igpo={"reference": "no_such_module:reference"})
