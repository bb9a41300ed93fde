"""The ``vllm`` policy and the trainer's vLLM sampler.

On any machine: bad input (no checkpoint, no GPU), the config checks, and the parts the trainer
runs around a separate sampler — the old log-probs recomputed with the training model (checked
on real ``hf`` episodes, where sampler and trainer agree) and the weights handed to the engine.
With a CUDA GPU and vLLM installed (``gpu`` marker): generations against the same checkpoint
in transformers, batch independence, token-exact episodes, loading a trainer's weights, and a
training run that samples through vLLM.
"""

from __future__ import annotations

import importlib.util
import json
import os

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

import agentgym  # noqa: E402
from agentgym import ConfigError, PolicyError  # noqa: E402
from agentgym.policy import Request, SamplingParams  # noqa: E402
from agentgym.rollout import RunSettings, run_episode, validate_episode  # noqa: E402
from agentgym.train import load_train_config, lora, train  # noqa: E402
from agentgym.train.config import ModelSection  # noqa: E402
from agentgym.train.rollout_engine import Sampler, relabel_logprobs  # noqa: E402
from agentgym.train.samples import rollout_samples  # noqa: E402
from agentgym.train.update import collate, token_logprobs  # noqa: E402
from policies.hf import HFPolicy  # noqa: E402
from policies.tiny import offline_tokenizer, tiny_config  # noqa: E402

CORPUS = ["You are in the hall. Exits: north, east. A red key lies here.", "go north", "take red key",
          "unlock the red door", "I don't understand that. Try: look, inventory."] * 20
SYSTEM = "You play a text game. Answer with one command."
needs_gpu = [pytest.mark.gpu,
             pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU"),
             pytest.mark.skipif(importlib.util.find_spec("vllm") is None, reason="needs vllm (pip install 'agentgym[vllm]')")]


def tiny_policy(device: str = "cpu", hidden_size: int = 64) -> HFPolicy:
    tokenizer = offline_tokenizer(CORPUS, "chatml")
    return HFPolicy.from_config(tiny_config(tokenizer, hidden_size=hidden_size), tokenizer, device=device, seed=0)


def ask(text: str, **sampling) -> Request:
    return Request(messages=[{"role": "user", "content": text}], sampling=SamplingParams(**sampling))


# --- any machine -------------------------------------------------------------------------------
def test_bad_checkpoints_and_a_missing_gpu_are_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="checkpoint directory"):
        agentgym.make_policy(f"vllm:{tmp_path / 'missing'}")
    with pytest.raises(ValueError, match="needs a checkpoint"):
        agentgym.make_policy("vllm:")
    if not torch.cuda.is_available():
        tiny_policy().save(tmp_path / "ckpt")
        with pytest.raises(PolicyError, match="CUDA GPU"):
            agentgym.make_policy(f"vllm:{tmp_path / 'ckpt'}")


def test_the_sampled_tokens_logprobs_are_read_from_each_position():
    from policies.vllm_engine import sampled_logprobs

    # vLLM gives one {token_id: Logprob} per generated position: the sampled token, plus top-k when asked
    positions = [{7: -0.25}, {3: -1.5, 9: -0.1}, {4: -2.0}]
    assert sampled_logprobs(positions, [7, 3, 4]) == [-0.25, -1.5, -2.0]
    with pytest.raises(PolicyError, match="no log-probs"):
        sampled_logprobs(None, [7])
    with pytest.raises(PolicyError, match="position 1 do not hold the sampled token 8"):
        sampled_logprobs(positions, [7, 8, 4])


def test_weights_for_the_engine_go_to_shared_memory_only_when_they_fit():
    from policies.vllm_engine import _scratch_dir

    small, huge = {"w": torch.zeros(16)}, {"w": torch.zeros(1, dtype=torch.uint8).expand(10**13)}  # 10 TB, as a view
    assert _scratch_dir(huge) is None  # the temporary directory instead
    if os.access("/dev/shm", os.W_OK):
        assert _scratch_dir(small) == "/dev/shm"


def test_the_config_refuses_vllm_rollouts_it_cannot_run():
    with pytest.raises(ConfigError, match="model.rollout must be one of hf, vllm"):
        load_train_config(data={"model": {"rollout": "sglang"}})
    with pytest.raises(ConfigError, match="model.vllm"):
        load_train_config(data={"model": {"vllm": {"gpu_memory_utilization": 0.3}}})
    with pytest.raises(ConfigError, match="needs a CUDA device"):
        load_train_config(data={"model": {"rollout": "vllm", "device": "cpu"}})


def test_old_logprobs_are_recomputed_with_the_training_model():
    """On hf episodes the sampler is the training model: the gap is ~0 and the values stay put;
    after the model changes, relabelling gives exactly what the trainer computes."""
    policy = tiny_policy()
    settings = RunSettings(context="concat", system_prompt=SYSTEM, sampling=SamplingParams(max_new_tokens=8, temperature=0.8))
    episode = run_episode(agentgym.make("toy/keys-v0", max_episode_steps=3), policy, env_id="toy/keys-v0", seed=1,
                          settings=settings)
    samples = rollout_samples(episode)

    def trainer_logprobs():
        batch = collate(samples, policy.pad_id, "cpu")
        with torch.no_grad():
            values = token_logprobs(policy.model, batch, 0.8)[0]
        return {id(s): values[row, :len(s)] for row, s in enumerate(samples)}

    sampled = [x for s in samples for x in s.logprobs]
    assert relabel_logprobs(samples, trainer_logprobs()) < 1e-4
    assert [x for s in samples for x in s.logprobs] == pytest.approx(sampled, abs=1e-4)
    with torch.no_grad():
        policy.model.lm_head.weight.mul_(1.5)  # the trainer's model moves on
    computed = trainer_logprobs()
    assert relabel_logprobs(samples, computed) > 1e-3
    for sample in samples:
        agent = [i for i, m in enumerate(sample.loss_mask) if m]
        assert [sample.logprobs[i] for i in agent] == pytest.approx([float(computed[id(sample)][i]) for i in agent])
        assert all(sample.logprobs[i] == 0.0 for i, m in enumerate(sample.loss_mask) if not m)
    with pytest.raises(ValueError, match="trainer log-probs"):
        relabel_logprobs(samples[:1], {id(samples[0]): computed[id(samples[0])][:-1]})


def test_the_engine_gets_the_checkpoints_weights_lora_merged(tmp_path):
    policy = tiny_policy()
    plain = lora.checkpoint_state_dict(policy.model)
    assert plain.keys() == policy.model.state_dict().keys()
    lora.add_adapter(policy, ModelSection(lora_rank=4))
    with torch.no_grad():
        for name, parameter in policy.model.named_parameters():
            if "lora_B" in name:
                parameter.add_(0.05)  # a trained adapter
    merged = lora.checkpoint_state_dict(policy.model)
    assert merged.keys() == plain.keys()  # the checkpoint's names, no adapter keys
    changed = [k for k in merged if not torch.equal(merged[k], plain[k])]
    assert changed and all(k.endswith(("q_proj.weight", "k_proj.weight", "v_proj.weight", "o_proj.weight")) for k in changed)
    lora.save_model(policy, tmp_path / "merged")  # what the engine starts from holds the same weights
    reloaded = HFPolicy(str(tmp_path / "merged"), device="cpu").model.state_dict()
    assert all(torch.allclose(reloaded[k], merged[k]) for k in changed)
    sampler = Sampler(ModelSection(), tmp_path, seed=0)
    assert not sampler.separate and sampler.policy(policy, 3) is policy


# --- a CUDA GPU with vLLM ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    from policies.vllm_engine import VLLMPolicy

    directory = tmp_path_factory.mktemp("vllm") / "ckpt"
    trained = tiny_policy("cuda", hidden_size=256)  # head size 64: every vLLM attention backend takes it
    trained.save(directory)
    policy = VLLMPolicy(str(directory), dtype="float32", gpu_memory_utilization=0.25, enforce_eager=True)
    yield policy, trained, directory
    policy.close()


def _gpu(test):
    for mark in needs_gpu:
        test = mark(test)
    return test


@_gpu
def test_vllm_generations_carry_the_tokens_and_logprobs_of_the_checkpoint(engine):
    policy, trained, _ = engine
    requests = [ask("You are in the hall." * (i + 1), max_new_tokens=10, seed=i, temperature=0.9) for i in range(4)]
    batch = policy.generate(requests)
    for request, generation in zip(requests, batch):
        assert 0 < len(generation.token_ids) == len(generation.logprobs) == generation.completion_tokens <= 10
        assert generation.finish_reason in ("stop", "length")
        if generation.finish_reason == "stop":  # no stop strings here: it ended its turn, and the token is kept
            assert generation.token_ids[-1] == policy.tokenizer.eos_token_id
        prompt = policy.render_prompt(request.messages)
        assert prompt == trained.render_prompt(request.messages)
        again = trained.sequence_logprobs([prompt + generation.token_ids], temperature=0.9)[0][len(prompt):].cpu()
        assert torch.allclose(again, torch.tensor(generation.logprobs), atol=2e-3)
    alone = [policy.generate([r])[0] for r in requests]
    assert [g.token_ids for g in alone] == [g.token_ids for g in batch]  # each request's seed fixes its answer
    stopped = policy.generate([ask("go north", max_new_tokens=30, seed=3, stop=(batch[0].text[1:3],))])[0]
    assert stopped.finish_reason in ("stop", "length") and len(stopped.token_ids) == len(stopped.logprobs)
    assert policy.generate([ask("go north", max_new_tokens=0)])[0].token_ids == []


@_gpu
def test_token_exact_episodes_through_vllm(engine):
    policy, trained, _ = engine
    settings = RunSettings(context="concat", system_prompt=SYSTEM, sampling=SamplingParams(max_new_tokens=10))
    episode = run_episode(agentgym.make("toy/keys-v0", max_episode_steps=4), policy, env_id="toy/keys-v0", seed=0,
                          settings=settings)
    assert episode.num_turns == 4
    assert validate_episode(episode, policy.tokenizer, SYSTEM) is None
    relaid = trained.sequence_logprobs([episode.token_ids])[0].cpu()
    agent = [i for i, m in enumerate(episode.loss_mask) if m]
    assert torch.allclose(relaid[agent], torch.tensor([episode.logprobs[i] for i in agent]), atol=2e-3)


@_gpu
def test_load_weights_gives_the_engine_the_trainers_model(engine):
    policy, trained, _ = engine
    request = ask("take red key", max_new_tokens=8, seed=5)
    before = policy.generate([request])[0]
    with torch.no_grad():
        for parameter in trained.model.parameters():
            parameter.add_(torch.randn_like(parameter) * 0.05)
    assert policy.load_weights(trained.model.state_dict()) > 0
    after = policy.generate([request])[0]
    prompt = policy.render_prompt(request.messages)
    expected = trained.sequence_logprobs([prompt + after.token_ids])[0][len(prompt):].cpu()
    assert torch.allclose(expected, torch.tensor(after.logprobs), atol=2e-3)
    assert before.logprobs != after.logprobs


@_gpu
def test_a_training_run_can_sample_through_vllm(tmp_path):
    config = load_train_config(data={
        "name": "vllm", "out_dir": str(tmp_path), "seed": 3,
        "env": {"id": "toy/keys-v0", "kwargs": {"max_episode_steps": 8}, "eval_kwargs": {}, "train_tasks": 6,
                "eval_seed": 100, "workers": 2, "context": "concat", "max_turns": 8},
        "model": {"vocab_size": 300, "hidden_size": 256, "layers": 1, "heads": 4, "corpus_episodes": 4, "device": "cuda",
                  "rollout": "vllm", "vllm": {"gpu_memory_utilization": 0.25, "enforce_eager": True, "dtype": "float32"}},
        "sft": {"episodes": 4, "epochs": 2, "minibatch_samples": 8},
        "rl": {"iterations": 2, "tasks_per_iteration": 2, "group_size": 2, "max_new_tokens": 6, "skip_uniform_groups": False},
        "eval": {"episodes": 4, "max_new_tokens": 6},
        "log": {"checkpoint_every": 0, "progress": False},
    })
    summary = train(config)
    records = [json.loads(line) for line in (tmp_path / "vllm" / "metrics.jsonl").read_text().splitlines()]
    gaps = [r["rollout/logprob_gap"] for r in records if r["phase"] == "rl"]
    assert len(gaps) == 2 and all(0.0 <= gap < 0.01 for gap in gaps)  # the engine held the weights it was given
    assert summary["eval_after"]["episodes"] == 4
