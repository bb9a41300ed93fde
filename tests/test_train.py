"""The trainer: training samples in the rollout's exact token layout, micro-batching that does not
change the gradient, credit assignment, and whole runs (every algorithm, resume, bad input) on
real envs with a real transformers model built offline."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

import agentgym  # noqa: E402
from agentgym.errors import ConfigError, NonFiniteError  # noqa: E402
from agentgym.policy import SamplingParams  # noqa: E402
from agentgym.rollout import RunSettings, run_episode, validate_episode  # noqa: E402
from agentgym.trajectory.reader import read_episodes  # noqa: E402
from agentgym.trajectory.records import Episode, Turn  # noqa: E402
from agentgym.train import Trainer, load_train_config, train  # noqa: E402
from agentgym.train.credit import token_gae, turn_advantages  # noqa: E402
from agentgym.train.samples import chat_samples, demonstration_samples, rollout_samples, set_advantages  # noqa: E402
from agentgym.train.update import LossSettings, policy_step, sft_step  # noqa: E402
from policies.hf import HFPolicy  # noqa: E402
from policies.tiny import offline_tokenizer, tiny_config  # noqa: E402

TOY = {"num_rooms": 3, "num_locks": 1, "num_distractors": 0}
SYSTEM = "Answer with one command."


@pytest.fixture(scope="module")
def experts():
    env = agentgym.make("toy/keys-v0", **TOY)
    return [run_episode(env, agentgym.make_policy("expert"), env_id="toy/keys-v0", seed=s) for s in range(4)]


@pytest.fixture(scope="module")
def policy(experts):
    corpus = [e.first_observation for e in experts] + [t.action + "\n" + t.observation for e in experts for t in e.turns]
    tokenizer = offline_tokenizer(corpus * 4, "chatml", vocab_size=400)
    return HFPolicy.from_config(tiny_config(tokenizer), tokenizer, device="cpu", seed=0)


def as_token_episode(episode: Episode, samples, window: bool) -> Episode:
    """``episode`` with the samples' tokens stored the way a rollout stores them."""
    ids, mask, logprobs = [], [], []
    turns = []
    for sample in samples:
        offset = len(ids)
        ids += sample.token_ids
        mask += sample.loss_mask
        logprobs += sample.logprobs
        spans = [i for i, m in enumerate(sample.loss_mask) if m]
        runs = _runs(spans)
        turns += [(offset + a, offset + b) for a, b in runs]
    out = dataclasses.replace(episode, token_ids=ids, loss_mask=mask, logprobs=logprobs,
                              metadata={"context": "window", "window_turns": 2} if window else {})
    out.turns = [dataclasses.replace(t, token_start=a, token_end=b) for t, (a, b) in zip(episode.turns, turns)]
    return out


def _runs(positions):
    runs, start = [], None
    for k, p in enumerate(positions):
        if start is None:
            start = p
        if k + 1 == len(positions) or positions[k + 1] != p + 1:
            runs.append((start, p + 1))
            start = None
    return runs


@pytest.mark.parametrize("context", ["concat", "window"])
def test_expert_episodes_become_samples_the_token_validator_accepts(experts, policy, context):
    episode = experts[0]
    samples = demonstration_samples(episode, policy.tokenizer, context=context, window_turns=2, system_prompt=SYSTEM)
    assert len(samples) == (1 if context == "concat" else episode.num_turns)
    stored = as_token_episode(episode, samples, window=context == "window")
    assert validate_episode(stored, policy.tokenizer, SYSTEM) is None
    # each action ends with the template's end-of-turn token, as a sampled generation does
    ends = [s.token_ids[i] for s in samples for i in range(len(s)) if s.loss_mask[i] and (i + 1 == len(s) or not s.loss_mask[i + 1])]
    assert len(ends) == episode.num_turns and set(ends) == {policy.tokenizer.eos_token_id}


@pytest.mark.parametrize("context", ["concat", "window"])
def test_rollout_episodes_become_one_sample_or_one_per_turn(policy, context):
    settings = RunSettings(context=context, window_turns=2, sampling=SamplingParams(max_new_tokens=6), max_turns=4)
    episode = run_episode(agentgym.make("toy/keys-v0", **TOY), policy, env_id="toy/keys-v0", seed=1, settings=settings)
    samples = rollout_samples(episode)
    assert len(samples) == (1 if context == "concat" else episode.num_turns)
    assert sum(s.agent_tokens for s in samples) == sum(t.token_end - t.token_start for t in episode.turns)
    assert [s.token_ids for s in samples][0] == episode.token_ids[:len(samples[0])]
    turn_of = [t for s in samples for t, m in zip(s.turn_ids, s.loss_mask) if m]
    assert turn_of == sorted(turn_of) and set(turn_of) == set(range(episode.num_turns))
    with pytest.raises(ValueError, match="no tokens"):
        rollout_samples(dataclasses.replace(episode, token_ids=None))


def test_chat_data_becomes_a_sample_and_malformed_chats_are_refused(policy):
    chat = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "You are in the hall."},
            {"role": "assistant", "content": "go north"}, {"role": "user", "content": "You are in the kitchen."},
            {"role": "assistant", "content": "take coin"}]
    [sample] = chat_samples(chat, policy.tokenizer)
    agent = [policy.tokenizer.decode([t]) for t, m in zip(sample.token_ids, sample.loss_mask) if m]
    assert "".join(agent) == "go north<|im_end|>take coin<|im_end|>"
    with pytest.raises(ValueError, match="alternate"):
        chat_samples([{"role": "assistant", "content": "hi"}], policy.tokenizer)


@pytest.mark.parametrize("level", ["token", "turn", "sequence", "episode"])
def test_micro_batches_give_the_gradient_of_one_batch(experts, policy, level):
    samples = [s for i, e in enumerate(experts) for s in demonstration_samples(e, policy.tokenizer, context="window", index=i)]

    def gradient(batch_tokens):
        optimizer = torch.optim.SGD(policy.model.parameters(), lr=0.0)
        sft_step(policy.model, optimizer, samples, pad_id=policy.pad_id, batch_tokens=batch_tokens, level=level)
        return torch.cat([p.grad.flatten() for p in policy.model.parameters() if p.grad is not None])

    whole, pieces = gradient(10**9), gradient(200)
    assert torch.allclose(whole, pieces, atol=1e-6, rtol=1e-4) and whole.abs().sum() > 0


def test_a_policy_step_moves_log_probs_with_the_sign_of_the_advantage(policy):
    model = HFPolicy(model=__import__("copy").deepcopy(policy.model), tokenizer=policy.tokenizer, device="cpu")
    settings = RunSettings(context="concat", sampling=SamplingParams(max_new_tokens=6), max_turns=2)
    episodes = [run_episode(agentgym.make("toy/keys-v0", **TOY), model, env_id="toy/keys-v0", seed=s, settings=settings)
                for s in range(2)]
    samples = [s for i, e in enumerate(episodes) for s in rollout_samples(e, i)]
    set_advantages(samples, [[1.0] * episodes[0].num_turns, [-1.0] * episodes[1].num_turns])

    def mean_logprob(sample):
        lp = model.sequence_logprobs([sample.token_ids])[0]
        return float(sum(lp[i] for i, m in enumerate(sample.loss_mask) if m) / sample.agent_tokens)

    before = [mean_logprob(s) for s in samples]
    optimizer = torch.optim.SGD(model.model.parameters(), lr=0.5)
    stats = policy_step(model.model, optimizer, samples, LossSettings(), pad_id=model.pad_id, batch_tokens=4096)
    after = [mean_logprob(s) for s in samples]
    assert abs(stats["policy/ratio_mean"] - 1.0) < 1e-3 and abs(stats["policy/approx_kl"]) < 1e-3  # on-policy
    assert after[0] > before[0] and after[1] < before[1]


def test_at_the_episode_level_every_episode_weighs_the_same(policy):
    """A short win (+1) and a long loss (-1): at the episode level the first policy loss is
    -mean_e(mean_t(A)) = 0 whatever the lengths; at the token level the loss's tokens dominate."""
    settings = RunSettings(context="window", window_turns=1, sampling=SamplingParams(max_new_tokens=4), max_turns=5)
    episodes = [run_episode(agentgym.make("toy/keys-v0", **TOY), policy, env_id="toy/keys-v0", seed=s, settings=settings)
                for s in range(2)]
    episodes[0].turns = episodes[0].turns[:2]  # the win is short
    samples = [s for i, e in enumerate(episodes) for s in rollout_samples(e, i)]
    set_advantages(samples, [[1.0] * episodes[0].num_turns, [-1.0] * episodes[1].num_turns])
    optimizer = torch.optim.SGD(policy.model.parameters(), lr=0.0)

    def loss(level):
        return policy_step(policy.model, optimizer, samples, LossSettings(level=level), pad_id=policy.pad_id,
                           batch_tokens=200)["loss/policy"]

    tokens = [sum(s.agent_tokens for s in samples if s.episode == i) for i in (0, 1)]
    assert tokens[1] > tokens[0] and loss("episode") == pytest.approx(0.0, abs=1e-6)
    assert loss("token") == pytest.approx((tokens[1] - tokens[0]) / sum(tokens), abs=1e-5)
    weights = [w for s in samples for w in s.episode_weights]
    assert sum(weights) == pytest.approx(1.0) and sum(w for s in samples if s.episode == 0 for w in s.episode_weights) == pytest.approx(0.5)


def _episode(rewards, states, group="g", seed=0):
    episode = Episode(env_id="x", task_id="t", seed=seed, first_observation=states[0], group_id=group)
    observations = states[1:] + ["end"]
    episode.turns = [Turn(raw_output="a", action="a", observation=o, reward=r) for r, o in zip(rewards, observations)]
    return episode


def test_turn_advantages_per_algorithm_by_hand():
    group = [_episode([0.0, 1.0], ["s0", "s1"]), _episode([0.0, 0.0], ["s0", "s2"]), _episode([0.0], ["s0"])]
    # returns 1, 0, 0: mean 1/3, unbiased std sqrt(1/3)
    grpo = turn_advantages(group, "grpo")
    high, low = (2 / 3) / (math.sqrt(1 / 3) + 1e-6), (-1 / 3) / (math.sqrt(1 / 3) + 1e-6)
    assert grpo[0] == pytest.approx([high, high]) and grpo[1] == pytest.approx([low, low]) and grpo[2] == pytest.approx([low])
    assert turn_advantages(group, "rloo")[0] == pytest.approx([1.0, 1.0])  # 1 - mean(0, 0)
    assert turn_advantages(group, "reinforce")[1] == pytest.approx([-1 / 3, -1 / 3])
    gigpo = turn_advantages(group, "gigpo", gamma=0.5, omega=1.0)
    # step returns at s0: 0.5 (0 + 0.5 * 1), 0, 0: mean 1/6, unbiased std sqrt(1/12); s1, s2 are singletons
    s0 = [(0.5 - 1 / 6) / (math.sqrt(1 / 12) + 1e-6), (-1 / 6) / (math.sqrt(1 / 12) + 1e-6)]
    assert gigpo[0] == pytest.approx([high + s0[0], high]) and gigpo[1] == pytest.approx([low + s0[1], low])
    # separate groups never mix
    alone = turn_advantages([_episode([1.0], ["a"], group="x"), _episode([0.0], ["a"], group="y")], "grpo")
    assert alone == [[0.0], [0.0]]


def test_token_gae_puts_each_turn_reward_on_its_last_token(policy):
    episode = _episode([0.5, 1.0], ["s0", "s1"])
    [sample] = demonstration_samples(dataclasses.replace(episode, turns=[dataclasses.replace(t, raw_output="go north")
                                                                         for t in episode.turns]), policy.tokenizer)
    values = torch.zeros(len(sample))
    token_gae(episode, [sample], [values], gamma=1.0, lam=1.0)
    agent = [a for a, m in zip(sample.advantages, sample.loss_mask) if m]
    per_turn = len(agent) // 2
    # with zero values and gamma = lam = 1 the advantage is the reward still to come
    assert agent == pytest.approx([1.5] * per_turn + [1.0] * per_turn)
    assert sample.returns == sample.advantages


def toy_config(tmp_path, **rl):
    return load_train_config(data={
        "name": "toy", "out_dir": str(tmp_path), "seed": 3,
        "env": {"id": "toy/keys-v0", "kwargs": TOY, "eval_kwargs": {}, "train_tasks": 6, "eval_seed": 100,
                "workers": 2, "context": "window", "window_turns": 1, "max_turns": 8},
        "model": {"vocab_size": 300, "hidden_size": 32, "layers": 1, "heads": 2, "corpus_episodes": 4},
        "sft": {"episodes": 4, "epochs": 2, "minibatch_samples": 8},
        "rl": {"iterations": 2, "tasks_per_iteration": 2, "group_size": 2, "max_new_tokens": 6, **rl},
        "eval": {"episodes": 4, "max_new_tokens": 6},
        "log": {"checkpoint_every": 1, "progress": False},
    })


@pytest.mark.slow
def test_a_run_writes_its_directory(tmp_path):
    event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")  # in the dev extra
    config = toy_config(tmp_path)
    config.log.tensorboard = True
    summary = train(config)
    run = tmp_path / "toy"
    assert {"config.toml", "metrics.jsonl", "summary.json", "curves.png", "checkpoints", "trajectories",
            "tensorboard"} <= {p.name for p in run.iterdir()}
    events = event_accumulator.EventAccumulator(str(run / "tensorboard"))
    events.Reload()
    assert [e.step for e in events.Scalars("train/success_rate")] == [1, 2]
    assert [e.step for e in events.Scalars("sft/loss")] == [1, 2]
    assert [e.value for e in events.Scalars("eval_after/success_rate")] == [pytest.approx(summary["eval_after"]["success_rate"])]
    assert json.loads((run / "summary.json").read_text()) == json.loads(json.dumps(summary))
    assert set(summary) >= {"env_id", "eval_before", "eval_sft", "eval_after", "wall_time_s"}
    for key in ("eval_before", "eval_sft", "eval_after"):
        assert summary[key]["episodes"] == 4 and 0.0 <= summary[key]["success_rate"] <= 1.0
    assert load_train_config(run / "config.toml") == config  # the written config is the effective one
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records if r["phase"] == "rl"] == [1, 2]
    assert [r["step"] for r in records if r["phase"] == "sft"] == [1, 2]
    rl = [r for r in records if r["phase"] == "rl"]
    assert all("time/rollout_s" in r and "train/success_rate" in r for r in rl)
    episodes = read_episodes(run)
    phases = {p: sum(e.metadata["phase"] == p for e in episodes) for p in ("rl", "eval_before", "eval_sft", "eval_after")}
    assert phases == {"rl": 8, "eval_before": 4, "eval_sft": 4, "eval_after": 4}
    assert all(e.token_ids for e in episodes)  # RL and eval episodes keep their tokens
    with pytest.raises(ConfigError, match="--resume"):
        train(config)  # a second run into the same directory is refused


def test_weights_and_biases_gets_the_config_and_every_metric(tmp_path, monkeypatch):
    pytest.importorskip("wandb")  # in the dev extra; offline: a real run, written to the run directory
    from agentgym.train.logger import MetricsLogger
    from agentgym.train.run_dir import RunDir

    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    config = toy_config(tmp_path)
    config.log.wandb, config.log.progress = True, False
    run_dir = RunDir(config.run_dir)
    run_dir.prepare(resume=False, overwrite=False)
    logger = MetricsLogger(run_dir, config)
    try:
        logger.log("rl", 1, {"train/success_rate": 0.25, "policy/entropy": 0.5, "note": "text"}, elapsed_s=1.0)
        logger.log("rl", 2, {"train/success_rate": 0.75}, elapsed_s=2.0)
        summary = logger.wandb.summary
        assert summary["train/success_rate"] == 0.75 and summary["rl/step"] == 2 and summary["policy/entropy"] == 0.5
        assert "note" not in summary.keys()  # numbers only
        assert logger.wandb.config["rl"]["group_size"] == config.rl.group_size
    finally:
        logger.close()
    assert list((tmp_path / "toy" / "wandb").glob("offline-run-*/run-*.wandb"))


@pytest.mark.slow
@pytest.mark.parametrize("rl", [{"algo": "rloo"}, {"algo": "reinforce", "loss_level": "sequence"},
                                {"algo": "gigpo", "loss_level": "turn"},
                                {"algo": "ppo", "kl_coef": 0.05, "entropy_coef": 0.01, "dual_clip": 3.0}])
def test_every_algorithm_runs_an_iteration(tmp_path, rl):
    config = toy_config(tmp_path, iterations=1, **rl)
    config.sft.episodes = 0
    config.eval.episodes = 2
    summary = train(config)
    assert summary["iterations"] == 1 and summary["eval_sft"] is None
    records = [json.loads(line) for line in (tmp_path / "toy" / "metrics.jsonl").read_text().splitlines()]
    [iteration] = [r for r in records if r["phase"] == "rl"]
    if rl["algo"] == "ppo":
        assert "loss/value" in iteration and "loss/kl" in iteration and (tmp_path / "toy" / "reference").is_dir()


@pytest.mark.slow
def test_resume_continues_exactly(tmp_path):
    straight = toy_config(tmp_path / "a")
    train(straight)
    interrupted = toy_config(tmp_path / "b", iterations=1)
    train(interrupted)
    resumed = toy_config(tmp_path / "b")
    train(resumed, resume=True)
    a = HFPolicy(str(tmp_path / "a" / "toy" / "checkpoints" / "iter-000002" / "model"), device="cpu").model.state_dict()
    b = HFPolicy(str(tmp_path / "b" / "toy" / "checkpoints" / "iter-000002" / "model"), device="cpu").model.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    steps = [json.loads(line)["step"] for line in (tmp_path / "b" / "toy" / "metrics.jsonl").read_text().splitlines()
             if json.loads(line)["phase"] == "rl"]
    assert steps == [1, 2]  # nothing logged twice
    with pytest.raises(ConfigError, match="no checkpoint"):
        train(toy_config(tmp_path / "c"), resume=True)


def test_a_nan_reward_stops_training_with_the_last_good_state_saved(tmp_path, policy):
    config = toy_config(tmp_path)
    trainer = Trainer(config)
    try:
        trainer.policy = policy
        trainer._make_rl_optimizer()
        settings = RunSettings(context="window", window_turns=1, sampling=SamplingParams(max_new_tokens=4), max_turns=2)
        episodes = [run_episode(agentgym.make("toy/keys-v0", **TOY), policy, env_id="toy/keys-v0", seed=s, settings=settings)
                    for s in range(2)]
        for e in episodes:
            e.group_id = "g"
        episodes[1].turns[0].reward = float("nan")
        with pytest.raises(NonFiniteError, match="nonfinite-last-good"):
            trainer._update(episodes)
        assert (tmp_path / "toy" / "checkpoints" / "nonfinite-last-good" / "model").is_dir()
    finally:
        trainer.close()


def test_kl_in_the_reward_becomes_a_shaped_reward_per_turn(policy, experts):
    from agentgym.train.credit import kl_turn_rewards

    [sample] = demonstration_samples(experts[0], policy.tokenizer, context="concat", index=0)
    sample.logprobs = [(-0.5 if m else 0.0) for m in sample.loss_mask]
    ref = torch.tensor([(-1.0 if m else 0.0) for m in sample.loss_mask])
    rewards = kl_turn_rewards([sample], [ref], coef=0.1, estimator="k1")
    per_turn = {t: sum(1 for tt, m in zip(sample.turn_ids, sample.loss_mask) if m and tt == t) for t in set(sample.turn_ids) if t >= 0}
    # k1 = logp - logp_ref = 0.5 per token, so each turn gets -0.1 * 0.5 * (its token count)
    assert rewards == pytest.approx({(0, t): -0.05 * n for t, n in per_turn.items()})
    k3 = kl_turn_rewards([sample], [ref], coef=1.0, estimator="k3")
    assert all(v == pytest.approx(-(math.exp(-0.5) + 0.5 - 1) * per_turn[t]) for (_, t), v in k3.items())


@pytest.mark.slow
def test_kl_in_reward_runs_and_stores_the_penalty(tmp_path):
    config = toy_config(tmp_path, iterations=1, kl_coef=0.1, kl_in_reward=True)
    config.eval.episodes = 2
    train(config)
    records = [json.loads(line) for line in (tmp_path / "toy" / "metrics.jsonl").read_text().splitlines()]
    [iteration] = [r for r in records if r["phase"] == "rl"]
    assert iteration["reward/kl"] <= 1e-6 and "loss/kl" not in iteration  # a penalty (k3 >= 0) in the reward, not a loss term
    rl_episodes = [e for e in read_episodes(tmp_path / "toy") if e.metadata["phase"] == "rl"]
    assert rl_episodes and all("kl" in t.shaped_rewards for e in rl_episodes for t in e.turns)
    with pytest.raises(ConfigError, match="kl_coef"):
        toy_config(tmp_path, kl_in_reward=True)


def test_rl_tasks_cycle_over_the_training_set_or_are_fresh(tmp_path):
    config = toy_config(tmp_path, tasks_per_iteration=4, group_size=2)
    trainer = Trainer(config)
    try:
        tasks = [spec.seed for k in range(3) for spec in trainer._rl_specs(k)][::2]
        assert sorted(tasks[:6]) == list(range(6)) and sorted(tasks[6:12]) == list(range(6))  # each of the 6 once per cycle
        config.env.train_tasks = 0
        fresh = [spec.seed for k in range(2) for spec in trainer._rl_specs(k)][::2]
        assert fresh == list(range(4, 12))  # after seeds 0..3, which the expert played for SFT and the tokenizer
        specs = trainer._rl_specs(0)
        assert len({spec.sampling_seed for spec in specs}) == len(specs)
        assert [spec.group_id for spec in specs] == [f"it0-task{j}" for j in range(4) for _ in range(2)]
    finally:
        trainer.close()
