"""Play episodes one at a time and record them as :class:`Episode` s.

Each turn the policy gets the conversation so far (or, in the ``concat`` context, the exact
token prompt) and the env's latest ``info``; the action is extracted from its output and
stepped (:class:`~agentgym.rollout.recorder.EpisodeRecorder` keeps the episode's state). An
exception from the env ends the episode as truncated with the error recorded, instead of
ending the run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import gymnasium

from agentgym.policy import Policy
from agentgym.rollout.recorder import EpisodeRecorder, RunSettings, check_settings
from agentgym.trajectory.records import Episode


def run_episode(
    env: gymnasium.Env,
    policy: Policy,
    *,
    env_id: str,
    seed: int | None,
    settings: RunSettings | None = None,
    run_id: str = "",
    group_id: str = "",
) -> Episode:
    """Play one episode of ``env`` with ``policy`` from ``reset(seed=seed)``."""
    settings = settings or RunSettings()
    check_settings(settings, policy)
    recorder = EpisodeRecorder(env_id=env_id, seed=seed, policy=policy, settings=settings, run_id=run_id, group_id=group_id)
    recorder.begin(*env.reset(seed=seed))
    while not recorder.done:
        t0 = time.perf_counter()
        generation = policy.generate([recorder.request()])[0]
        t1 = time.perf_counter()
        action = recorder.act(generation, policy_seconds=t1 - t0)
        if action is None:  # the generation failed: the recorder ended the episode
            break
        try:
            result, error = env.step(action), None
        except Exception as exc:  # noqa: BLE001 - a crashed engine ends the episode, not the run
            result, error = None, f"{type(exc).__name__}: {exc}"
        recorder.record(result, env_seconds=time.perf_counter() - t1, error=error)
    return recorder.finish()


def run_episodes(
    make_env: Callable[[], gymnasium.Env],
    policy: Policy,
    *,
    env_id: str,
    episodes: int,
    seed: int,
    settings: RunSettings | None = None,
    run_id: str = "",
) -> Iterator[Episode]:
    """Play ``episodes`` episodes with seeds ``seed``, ``seed + 1``, …, in one env.

    The env is made by ``make_env`` and closed at the end, also when the caller stops early.
    """
    env = make_env()
    try:
        for i in range(episodes):
            yield run_episode(env, policy, env_id=env_id, seed=seed + i, settings=settings, run_id=run_id)
    finally:
        env.close()
