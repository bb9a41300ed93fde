"""LoRA training (``model.lora_rank`` > 0): only the adapter trains, the base stays as it was,
checkpoints hold a merged model that ``HFPolicy(path)`` loads plus the adapter a resumed run
continues from exactly, and the KL reference can be the base with the adapter switched off.
Real peft adapters on a real transformers model built offline, real toy-env runs."""

from __future__ import annotations

import copy
import json
import sys

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("peft")

import agentgym  # noqa: E402
from agentgym.errors import ConfigError, MissingDependencyError  # noqa: E402
from agentgym.policy import SamplingParams  # noqa: E402
from agentgym.rollout import RunSettings, run_episode  # noqa: E402
from agentgym.train import lora, train  # noqa: E402
from agentgym.train.config import ModelSection  # noqa: E402
from agentgym.train.samples import rollout_samples, set_advantages  # noqa: E402
from agentgym.train.update import LossSettings, policy_step  # noqa: E402
from policies.hf import HFPolicy  # noqa: E402
from policies.tiny import offline_tokenizer, tiny_config  # noqa: E402
from test_train import TOY, toy_config  # noqa: E402

LORA = {"lora_rank": 4, "lora_alpha": 8.0}


@pytest.fixture(scope="module")
def base_policy():
    env = agentgym.make("toy/keys-v0", **TOY)
    experts = [run_episode(env, agentgym.make_policy("expert"), env_id="toy/keys-v0", seed=s) for s in range(4)]
    corpus = [e.first_observation for e in experts] + [t.action + "\n" + t.observation for e in experts for t in e.turns]
    tokenizer = offline_tokenizer(corpus * 4, "chatml", vocab_size=400)
    return HFPolicy.from_config(tiny_config(tokenizer, hidden_size=32, layers=1, heads=2), tokenizer, device="cpu", seed=0)


def lora_config(tmp_path, *, sft: bool = True, iterations: int = 2, **rl):
    config = toy_config(tmp_path, iterations=iterations, **rl)
    for key, value in LORA.items():
        setattr(config.model, key, value)
    if not sft:
        config.sft.episodes = 0
    config.eval.episodes = 2
    config.log.keep_checkpoints = 20
    return config


def state(path) -> dict:
    return HFPolicy(str(path), device="cpu").model.state_dict()


def test_only_the_adapter_trains_and_the_saved_model_is_the_merged_one(tmp_path, base_policy):
    policy = HFPolicy(model=copy.deepcopy(base_policy.model), tokenizer=base_policy.tokenizer, device="cpu")
    before = {k: v.clone() for k, v in policy.model.state_dict().items()}
    lora.add_adapter(policy, ModelSection(**LORA))
    trainable = [name for name, p in policy.model.named_parameters() if p.requires_grad]
    assert trainable and all(".lora_A." in name or ".lora_B." in name for name in trainable)
    assert {name.split(".")[-4] for name in trainable} == {"q_proj", "k_proj", "v_proj", "o_proj"}  # the default targets

    settings = RunSettings(context="concat", sampling=SamplingParams(max_new_tokens=6), max_turns=2)
    episodes = [run_episode(agentgym.make("toy/keys-v0", **TOY), policy, env_id="toy/keys-v0", seed=s, settings=settings)
                for s in range(2)]  # the peft-wrapped model plays through HFPolicy as it is
    samples = [s for i, e in enumerate(episodes) for s in rollout_samples(e, i)]
    set_advantages(samples, [[1.0] * episodes[0].num_turns, [-1.0] * episodes[1].num_turns])
    optimizer = torch.optim.SGD([p for p in policy.model.parameters() if p.requires_grad], lr=0.5)
    reference = lora.AdapterOff(policy.model)
    for _ in range(2):  # B = 0 at the start: the first step moves B, the second A too
        stats = policy_step(policy.model, optimizer, samples, LossSettings(kl_coef=0.1), pad_id=policy.pad_id,
                            batch_tokens=4096, ref_model=reference)
    assert stats["loss/kl"] > 0  # the adapter has moved the policy away from its base

    base = policy.model.get_base_model()
    frozen = {k.replace(".base_layer.", "."): v for k, v in base.state_dict().items() if ".lora_" not in k}
    assert frozen.keys() == before.keys() and all(torch.equal(frozen[k], before[k]) for k in before)

    ids = torch.tensor([samples[0].token_ids])
    with torch.no_grad():
        adapted = policy.model(input_ids=ids).logits
        switched_off = reference(input_ids=ids).logits
        original = base_policy.model(input_ids=ids).logits
    assert torch.equal(switched_off, original)  # the reference is exactly the base model
    assert not torch.allclose(adapted, original, atol=1e-4)

    lora.save_model(policy, tmp_path / "model")
    merged = HFPolicy(str(tmp_path / "model"), device="cpu")  # a plain checkpoint: no peft involved in loading
    assert not any("lora" in key for key in merged.model.state_dict())
    with torch.no_grad():
        assert torch.allclose(merged.model(input_ids=ids).logits, adapted, atol=1e-5)
    q = "model.layers.0.self_attn.q_proj.weight"
    assert not torch.equal(merged.model.state_dict()[q], before[q])
    assert torch.equal(merged.model.state_dict()["model.layers.0.mlp.up_proj.weight"], before["model.layers.0.mlp.up_proj.weight"])


def test_target_modules_the_model_lacks_are_refused_with_the_names_it_has(base_policy):
    policy = HFPolicy(model=copy.deepcopy(base_policy.model), tokenizer=base_policy.tokenizer, device="cpu")
    with pytest.raises(ConfigError, match="lora_target_modules.*q_proj"):
        lora.add_adapter(policy, ModelSection(lora_rank=2, lora_target_modules=["query_key_value"]))


def test_lora_without_peft_names_the_extra_to_install(monkeypatch, base_policy):
    monkeypatch.setitem(sys.modules, "peft", None)  # what an environment without peft imports
    policy = HFPolicy(model=copy.deepcopy(base_policy.model), tokenizer=base_policy.tokenizer, device="cpu")
    with pytest.raises(MissingDependencyError, match=r"agentgym\[train\]"):
        lora.add_adapter(policy, ModelSection(lora_rank=2))


@pytest.mark.slow
def test_a_lora_run_resumes_exactly_and_its_checkpoints_load(tmp_path):
    # SFT trains the adapter first, so the KL reference is the merged post-SFT model (reference/)
    rl = {"algo": "ppo", "kl_coef": 0.05, "entropy_coef": 0.01}
    straight = lora_config(tmp_path / "a", **rl)
    train(straight)
    train(lora_config(tmp_path / "b", iterations=1, **rl))
    train(lora_config(tmp_path / "b", **rl), resume=True)
    a, b = tmp_path / "a" / "toy", tmp_path / "b" / "toy"
    final = "checkpoints/iter-000002"
    from safetensors.torch import load_file

    adapter_a, adapter_b = (load_file(run / final / "adapter" / "adapter_model.safetensors") for run in (a, b))
    assert adapter_a.keys() == adapter_b.keys() and all(torch.equal(adapter_a[k], adapter_b[k]) for k in adapter_a)
    merged_a, merged_b = state(a / final / "model"), state(b / final / "model")
    assert all(torch.equal(merged_a[k], merged_b[k]) for k in merged_a)
    # the frozen weights are the base's; the adapted ones moved in SFT and RL
    base, start, after_sft = state(a / "base"), state(a / "checkpoints/start/model"), state(a / "checkpoints/sft/model")
    assert all(torch.equal(base[k], start[k]) for k in base)
    up, q = "model.layers.0.mlp.up_proj.weight", "model.layers.0.self_attn.q_proj.weight"
    assert torch.equal(merged_a[up], base[up]) and torch.equal(merged_a["model.embed_tokens.weight"], base["model.embed_tokens.weight"])
    assert not torch.equal(after_sft[q], base[q]) and not torch.equal(merged_a[q], after_sft[q])
    assert (a / "reference").is_dir()
    records = [json.loads(line) for line in (b / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records if r["phase"] == "rl"] == [1, 2]
    assert all("loss/kl" in r for r in records if r["phase"] == "rl")


@pytest.mark.slow
def test_lora_rl_without_sft_takes_the_base_as_its_kl_reference(tmp_path):
    config = lora_config(tmp_path, sft=False, iterations=1, kl_coef=0.05, entropy_coef=0.01, skip_uniform_groups=False)
    summary = train(config)
    run = tmp_path / "toy"
    assert summary["iterations"] == 1 and not (run / "reference").exists()  # no second copy of the model
    [iteration] = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines() if json.loads(line)["phase"] == "rl"]
    assert iteration["loss/kl"] == pytest.approx(0.0, abs=1e-6)  # one step from the base: KL ~ 0, and computed
    final = state(run / "checkpoints" / "eval_after" / "model")
    base = state(run / "base")
    q = "model.layers.0.self_attn.q_proj.weight"
    assert not torch.equal(final[q], base[q])  # the entropy bonus moved the adapter


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_lora_with_bfloat16_autocast_trains_on_cuda(tmp_path):
    config = lora_config(tmp_path, iterations=1, kl_coef=0.05, entropy_coef=0.01, skip_uniform_groups=False)
    config.model.device, config.model.amp = "cuda", True
    summary = train(config)
    records = [json.loads(line) for line in (tmp_path / "toy" / "metrics.jsonl").read_text().splitlines()]
    [iteration] = [r for r in records if r["phase"] == "rl"]
    assert summary["iterations"] == 1 and all(v == v for v in iteration.values() if isinstance(v, float))  # finite
