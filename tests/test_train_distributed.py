"""Data-parallel training on CPU (gloo): two ranks take the optimiser step one process takes on the
whole batch, and ``agentgym train CONFIG`` under ``torchrun --nproc_per_node 2`` trains the model a
single process trains, writing one run directory. Real processes, a real process group, real
toy-env runs."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("tomli_w")  # the config is written as TOML for the torchrun workers

import torch.distributed  # noqa: E402
import torch.multiprocessing  # noqa: E402

import agentgym  # noqa: E402
from agentgym.policy import SamplingParams  # noqa: E402
from agentgym.rollout import RunSettings, run_episode  # noqa: E402
from agentgym.trajectory.reader import read_episodes  # noqa: E402
from agentgym.train import load_train_config, train  # noqa: E402
from agentgym.train.config import config_toml  # noqa: E402
from agentgym.train.distributed import Distributed  # noqa: E402
from agentgym.train.samples import rollout_samples, set_advantages  # noqa: E402
from agentgym.train.update import LossSettings, policy_step, sft_step  # noqa: E402
from policies.hf import HFPolicy  # noqa: E402
from policies.tiny import offline_tokenizer, tiny_config  # noqa: E402
from test_train import TOY, toy_config  # noqa: E402

LEVELS = ("token", "turn", "sequence", "episode")
BIN = Path(sys.executable).parent


def test_one_process_is_rank_0_of_1_and_splits_nothing():
    single = Distributed()
    assert not single.enabled and single.is_main and single.split([1, 2, 3]) == [1, 2, 3]
    assert single.shard([[1], [2, 2]]) == [[1], [2, 2]] and single.gather([4]) == [4]
    assert single.on_main(lambda: 7) == 7 and single.all_reduce_sums({"a": 1.0}) == {"a": 1.0}


def test_shards_are_balanced_by_size_and_cover_every_item_once():
    items = [[0] * n for n in (9, 1, 5, 5, 3, 2, 8)]
    ranks = [Distributed(rank=r, world_size=3) for r in range(3)]
    shards = [d.shard(items) for d in ranks]
    assert sorted(map(id, sum(shards, []))) == sorted(map(id, items))
    sizes = [sum(map(len, s)) for s in shards]
    assert max(sizes) - min(sizes) <= 2  # 33 tokens over 3 ranks: 11, 11, 11 (greedy may leave a little)
    assert [d.split(list(range(7))) for d in ranks] == [[0, 3, 6], [1, 4], [2, 5]]


def _gradients(model: torch.nn.Module) -> list[torch.Tensor]:
    return [p.grad.detach().clone() if p.grad is not None else None for p in model.parameters()]


def _steps(model, samples, pad_id, dist):
    """SFT and policy-loss gradients (lr 0, no clipping) and metrics at every aggregation level."""
    out = {}
    optimizer = torch.optim.SGD(model.parameters(), lr=0.0)
    for level in LEVELS:
        metrics = policy_step(model, optimizer, samples, LossSettings(level=level, entropy_coef=0.01), pad_id=pad_id,
                              batch_tokens=300, max_grad_norm=0.0, dist=dist)
        out[f"rl-{level}"] = (_gradients(model), metrics)
        metrics = sft_step(model, optimizer, samples, pad_id=pad_id, batch_tokens=300, level=level, max_grad_norm=0.0, dist=dist)
        out[f"sft-{level}"] = (_gradients(model), metrics)
    return out


def _rank(rank: int, world_size: int, init_file: str, model, samples, pad_id: int, out: str) -> None:
    torch.distributed.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world_size)
    try:
        result = _steps(model, samples, pad_id, Distributed(rank=rank, world_size=world_size))
        torch.save(result, f"{out}.{rank}")
    finally:
        torch.distributed.destroy_process_group()


@pytest.mark.slow
def test_two_ranks_take_the_step_one_process_takes_on_the_whole_batch(tmp_path):
    env = agentgym.make("toy/keys-v0", **TOY)
    experts = [run_episode(env, agentgym.make_policy("expert"), env_id="toy/keys-v0", seed=s) for s in range(3)]
    corpus = [e.first_observation for e in experts] + [t.action + "\n" + t.observation for e in experts for t in e.turns]
    tokenizer = offline_tokenizer(corpus * 4, "chatml", vocab_size=300)
    policy = HFPolicy.from_config(tiny_config(tokenizer, hidden_size=32, layers=1, heads=2), tokenizer, device="cpu", seed=0)
    settings = RunSettings(context="window", window_turns=1, sampling=SamplingParams(max_new_tokens=6), max_turns=3)
    episodes = [run_episode(env, policy, env_id="toy/keys-v0", seed=s, settings=settings) for s in range(5)]
    samples = [s for i, e in enumerate(episodes) for s in rollout_samples(e, i)]
    set_advantages(samples, [[(-1.0) ** i * (t + 1) for t in range(e.num_turns)] for i, e in enumerate(episodes)])
    assert len(samples) >= 10

    alone = _steps(copy.deepcopy(policy.model), samples, policy.pad_id, Distributed())
    torch.multiprocessing.spawn(_rank, args=(2, str(tmp_path / "init"), policy.model, samples, policy.pad_id, str(tmp_path / "out")),
                                nprocs=2, join=True)
    ranks = [torch.load(tmp_path / f"out.{r}", weights_only=False) for r in range(2)]
    for key, (gradients, metrics) in alone.items():
        for rank in ranks:
            split_gradients, split_metrics = rank[key]
            for one, two in zip(gradients, split_gradients):
                assert (one is None) == (two is None)
                if one is not None:  # the same sum in another order and other micro-batch shapes: float error only
                    assert torch.allclose(one, two, rtol=1e-4, atol=1e-7), key
            assert split_metrics.keys() == metrics.keys()
            for name, value in metrics.items():
                assert split_metrics[name] == pytest.approx(value, rel=1e-4, abs=1e-6), (key, name)
        assert all(torch.equal(a, b) for a, b in zip(ranks[0][key][0], ranks[1][key][0]) if a is not None)  # ranks agree


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_agentgym_train_under_torchrun_trains_what_one_process_trains(tmp_path):
    config = toy_config(tmp_path / "one", algo="ppo", kl_coef=0.05, entropy_coef=0.01)
    config.env.workers = 1  # per rank
    config.log.keep_checkpoints = 20
    config_file = tmp_path / "run.toml"
    config_file.write_text(config_toml(config))
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
               str(BIN / "agentgym"), "train", str(config_file), "--set", f"out_dir='{tmp_path / 'two'}'"]
    done = subprocess.run(command, env={**env, "OMP_NUM_THREADS": "1"}, capture_output=True, text=True, timeout=1100)
    assert done.returncode == 0, done.stderr[-4000:]
    train(config)  # the same config in this one process

    one, two = tmp_path / "one" / "toy", tmp_path / "two" / "toy"
    assert [p.name for p in (tmp_path / "two").iterdir()] == ["toy"]  # one run directory, written once
    assert done.stdout.count("evaluation") == 1  # one summary table (its header), from rank 0
    assert json.loads((two / "summary.json").read_text())["iterations"] == 2
    records = [json.loads(line) for line in (two / "metrics.jsonl").read_text().splitlines()]
    assert [(r["phase"], r["step"]) for r in records] == [(r["phase"], r["step"]) for r in
                                                          map(json.loads, (one / "metrics.jsonl").read_text().splitlines())]
    assert [r["step"] for r in records if r["phase"] == "rl"] == [1, 2] and [r["step"] for r in records if r["phase"] == "sft"] == [1, 2]
    assert sum(r["phase"] == "eval" for r in records) == 3

    # every episode once, and the very episodes one process played (each depends on its spec only)
    def by_key(run):
        return {(e.metadata["phase"], e.metadata["iteration"], e.group_id, e.seed, e.metadata["sampling_seed"]): e
                for e in read_episodes(run)}
    episodes_one, episodes_two = by_key(one), by_key(two)
    assert len(read_episodes(two)) == len(episodes_two) == 8 + 3 * 4
    assert episodes_two.keys() == episodes_one.keys()
    assert all(episodes_two[k].token_ids == episodes_one[k].token_ids for k in episodes_one)

    # the weights agree up to float error (micro-batches of other shapes, gradients summed in
    # another order): exact equality cannot hold, and a bug in the normalisation would be far off
    final, sft = "checkpoints/iter-000002/model", "checkpoints/sft/model"
    a, b = (HFPolicy(str(run / final), device="cpu").model.state_dict() for run in (one, two))
    assert max(float((a[k] - b[k]).abs().max()) for k in a) < 1e-5
    start = HFPolicy(str(two / sft), device="cpu").model.state_dict()
    assert max(float((b[k] - start[k]).abs().max()) for k in b) > 1e-4  # RL moved the weights
    rl_one, rl_two = ([r for r in map(json.loads, (run / "metrics.jsonl").read_text().splitlines()) if r["phase"] == "rl"]
                      for run in (one, two))
    for x, y in zip(rl_one, rl_two):
        for name in ("loss/total", "loss/kl", "policy/entropy", "train/samples_with_signal"):
            assert y[name] == pytest.approx(x[name], rel=1e-4, abs=1e-6), name
