"""The Ray env pool on a real local Ray cluster: the same episodes as other pools, and an actor
killed with SIGKILL replaced while collection goes on."""

from __future__ import annotations

import os
import signal

import pytest

ray = pytest.importorskip("ray")

import agentgym  # noqa: E402
from agentgym.rollout import EnvFactory, EpisodeSpec, InProcessPool, collect  # noqa: E402
from agentgym.rollout.ray_pool import RayPool  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def outline(episodes):
    return sorted((e.seed, e.task_id, tuple(t.action for t in e.turns), e.success) for e in episodes)


def test_ray_actors_collect_what_the_envs_play_in_process_and_survive_a_sigkill(cluster):
    specs = [EpisodeSpec("toy/keys-v0", seed) for seed in range(6)]
    policy = agentgym.make_policy("random")
    in_process = InProcessPool([EnvFactory("toy/keys-v0")] * 3)
    expected = list(collect(in_process, policy, specs))
    in_process.close()
    with RayPool([EnvFactory("toy/keys-v0")] * 3) as pool:
        assert outline(collect(pool, policy, specs)) == outline(expected)
        episodes = []
        for episode in collect(pool, policy, specs):
            if not episodes:
                os.kill(pool.pid(2), signal.SIGKILL)
            episodes.append(episode)
        assert pool.restarts == 1
    failed = [e for e in episodes if e.error]
    assert len(episodes) == 6 and len(failed) == 1 and "died" in failed[0].error and failed[0].truncated
