"""Batched collection over env pools: same episodes as one at a time, groups, real subprocess
workers that crash (SIGKILL) or hang, env errors, streaming into the store, token-exact batches."""

from __future__ import annotations

import os
import signal

import pytest

import agentgym
from agentgym.policy import SamplingParams
from agentgym.rollout import (CollectStats, EnvFactory, EpisodeSpec, InProcessPool, RunSettings, SubprocessPool,
                              collect, group_specs, run_episode)
from agentgym.trajectory import TrajectoryWriter, read_episodes
from flaky_envs import FailingFactory, SlowResetFactory

TOY = EnvFactory("toy/keys-v0")


def summary(episodes):
    return sorted((e.group_id, e.seed, e.task_id, e.num_turns, e.return_, tuple(t.action for t in e.turns)) for e in episodes)


def test_a_subprocess_pool_collects_the_episodes_one_env_plays_alone():
    specs = [EpisodeSpec("toy/keys-v0", seed) for seed in range(6)]
    policy = agentgym.make_policy("random")
    with SubprocessPool([TOY] * 3) as pool:
        stats = CollectStats()
        batched = list(collect(pool, policy, specs, stats=stats))
    alone = [run_episode(agentgym.make("toy/keys-v0"), policy, env_id="toy/keys-v0", seed=s) for s in range(6)]
    assert summary(batched) == summary(alone)
    assert max(stats.batch_sizes) == 3 and stats.requests == sum(e.num_turns for e in batched)
    assert stats.episodes == 6 and stats.errors == 0 and stats.wall_s >= stats.env_s + stats.policy_s - 1e-6


def test_groups_play_one_task_with_different_samples():
    episodes = list(collect(InProcessPool([TOY] * 4), agentgym.make_policy("random"), group_specs("toy/keys-v0", [7, 8], 4)))
    groups = {}
    for e in episodes:
        groups.setdefault(e.group_id, []).append(e)
    assert sorted(groups) == ["toy/keys-v0@7", "toy/keys-v0@8"] and all(len(g) == 4 for g in groups.values())
    for members in groups.values():
        assert len({e.task_id for e in members}) == 1  # the same task
        assert len({tuple(t.action for t in e.turns) for e in members}) > 1  # sampled differently
    with pytest.raises(ValueError):
        group_specs("toy/keys-v0", [1], 0)


def test_every_task_starts_before_any_task_repeats():
    class RecordingPool(InProcessPool):  # the real pool, its resets written down
        def submit_reset(self, index, seed, options=None):
            self.resets.append(seed)
            super().submit_reset(index, seed, options)

    pool = RecordingPool([TOY] * 3)
    pool.resets = []
    episodes = list(collect(pool, agentgym.make_policy("random"), group_specs("toy/keys-v0", [7, 8, 9], 2)))
    assert pool.resets[:3] == [7, 8, 9]  # a slow first reset (a game generated on first use) of each task at once
    assert sorted(pool.resets) == [7, 7, 8, 8, 9, 9] and len(episodes) == 6


def test_a_sigkilled_worker_ends_one_episode_and_collection_goes_on(tmp_path):
    specs = [EpisodeSpec("toy/keys-v0", seed) for seed in range(8)]
    with SubprocessPool([TOY] * 2) as pool, TrajectoryWriter(tmp_path / "run") as writer:
        episodes = []
        for episode in collect(pool, agentgym.make_policy("random"), specs):
            writer.write(episode)  # streamed into the store as each finishes
            if len(episodes) == 0:
                os.kill(pool.pid(1), signal.SIGKILL)
            episodes.append(episode)
        assert pool.restarts == 1
    failed = [e for e in episodes if e.error]
    assert len(episodes) == 8 and len(failed) == 1
    assert failed[0].truncated and "died" in failed[0].error and not failed[0].success
    assert len(read_episodes(tmp_path / "run")) == 8


def test_a_hung_worker_is_killed_after_the_step_timeout():
    specs = [EpisodeSpec("count", seed) for seed in range(3)]
    policy = agentgym.make_policy("random")
    with SubprocessPool([FailingFactory(fail_at=3, mode="hang"), EnvFactory("toy/keys-v0")], step_timeout=3) as pool:
        episodes = list(collect(pool, policy, specs, settings=RunSettings(max_turns=5)))
        assert pool.restarts >= 1
    hung = [e for e in episodes if e.error]
    assert hung and all("did not answer within 3 s" in e.error and e.num_turns == 2 for e in hung)
    assert len(episodes) == 3


def test_with_batch_wait_fast_envs_do_not_wait_for_a_straggler():
    factories = [FailingFactory(fail_at=0, mode="slow")] + [FailingFactory(fail_at=0, mode="fast")] * 3
    specs = [EpisodeSpec("count", seed) for seed in range(8)]
    finished = {}
    with SubprocessPool(factories) as pool:
        for wait in (None, 0.0):
            stats = CollectStats()
            order = [e.seed for e in collect(pool, agentgym.make_policy("random"), specs, stats=stats, batch_wait_s=wait)]
            finished[wait] = (order, stats)
    lockstep, eager = finished[None][1], finished[0.0][1]
    assert len(finished[None][0]) == len(finished[0.0][0]) == 8
    assert lockstep.batch_sizes[:10] == [4] * 10  # every round waits for the slow env
    assert min(eager.batch_sizes[:10]) < 4 and eager.wall_s < lockstep.wall_s  # the fast ones run ahead


class FailsOnce:
    """The random policy, except that its third call raises (an API that gave up)."""

    name = "fails-once"

    def __init__(self):
        self.calls, self.inner = 0, agentgym.make_policy("random")

    def generate(self, requests):
        self.calls += 1
        if self.calls == 3:
            raise agentgym.PolicyError("the endpoint gave up")
        return self.inner.generate(requests)


def test_a_failed_policy_batch_ends_its_episodes_and_collection_goes_on():
    pool = InProcessPool([TOY] * 2)
    episodes = list(collect(pool, FailsOnce(), [EpisodeSpec("toy/keys-v0", s) for s in range(4)]))
    pool.close()
    failed = [e for e in episodes if e.error]
    assert len(episodes) == 4 and len(failed) == 2
    assert all(e.error == "policy: PolicyError: the endpoint gave up" and e.num_turns == 2 and e.truncated for e in failed)


def test_an_env_error_ends_its_episode_only():
    pool = InProcessPool([FailingFactory(fail_at=4, mode="raise"), FailingFactory(fail_at=99, mode="raise")])
    episodes = list(collect(pool, agentgym.make_policy("random"), [EpisodeSpec("count", s) for s in range(4)]))
    pool.close()
    broken = [e for e in episodes if e.error]
    assert len(episodes) == 4 and broken and all(e.error == "RuntimeError: the engine broke" and e.num_turns == 3 for e in broken)
    assert any(e.success and e.num_turns == 10 for e in episodes)


def test_batched_concat_collection_is_token_exact():
    pytest.importorskip("transformers")
    from agentgym.rollout import validate_episode
    from policies.hf import HFPolicy
    from policies.tiny import offline_tokenizer, tiny_config

    tokenizer = offline_tokenizer(["You are in the hall. Exits: north.", "take red key", "go north"] * 20, "llama3")
    policy = HFPolicy.from_config(tiny_config(tokenizer), tokenizer, device="cpu")
    settings = RunSettings(context="concat", sampling=SamplingParams(max_new_tokens=8), max_turns=4)
    pool = InProcessPool([EnvFactory("toy/keys-v0")] * 4)
    stats = CollectStats()
    episodes = list(collect(pool, policy, group_specs("toy/keys-v0", [0, 1], 3), settings=settings, stats=stats))
    pool.close()
    assert len(episodes) == 6 and max(stats.batch_sizes) == 4 and stats.generated_tokens == sum(sum(e.loss_mask) for e in episodes)
    for episode in episodes:
        assert validate_episode(episode, tokenizer, policy=policy) is None
    # batching changes nothing: the episode of seed 0, sampling seed 0, played alone is the same
    alone = run_episode(agentgym.make("toy/keys-v0"), policy, env_id="toy/keys-v0", seed=0, settings=settings)
    assert alone.token_ids and any(e.token_ids == alone.token_ids for e in episodes if e.seed == 0)


@pytest.mark.parametrize("pool_class", [SubprocessPool, InProcessPool])
def test_slow_resets_run_in_parallel_and_a_failed_reset_ends_one_episode(pool_class):
    factories = [SlowResetFactory(1.0), SlowResetFactory(1.0), SlowResetFactory(0.1, fail_reset=True)]
    specs = [EpisodeSpec("slow", seed) for seed in range(6)]
    with pool_class(factories) as pool:
        stats = CollectStats()
        episodes = list(collect(pool, agentgym.make_policy("random"), specs, stats=stats))
    assert len(episodes) == 6 and len({e.seed for e in episodes}) == 6  # every spec played once
    failed = [e for e in episodes if e.error]
    assert failed and all(e.error == "reset: RuntimeError: the game could not be generated" and e.num_turns == 0
                          and e.truncated for e in failed)
    assert stats.errors == len(failed)
    won = [e for e in episodes if not e.error]
    assert won and all(e.success and e.num_turns == 1 for e in won)
    windows = sorted(e.start_info["reset_window"] for e in won)
    overlapping = any(a[1] > b[0] for a, b in zip(windows, windows[1:]))
    # workers reset at the same time; the in-process pool runs them one after the other
    assert overlapping == (pool_class is SubprocessPool)
