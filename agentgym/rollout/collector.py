"""Batched collection: many envs in a pool, one policy call per round for every env waiting.

:func:`collect` plays a list of :class:`EpisodeSpec` s over a pool (:mod:`agentgym.rollout.pool`):
every env that waits for an action contributes its request to one ``policy.generate`` batch,
and their steps go to the pool at once (workers step in parallel, without waiting for each
other); ``batch_wait_s`` says how long the next batch waits for envs still stepping. A finished
episode is yielded at once (stream it into a ``TrajectoryWriter``) and its env starts the next
spec. Resets are submitted like steps, so envs whose reset is slow (a game generated on first
use) reset in parallel; the first episode of every task starts before any task's second (a
group's G episodes would otherwise wait in turn on one game's generation). A reset or step that fails — the env raised, its worker crashed or hung
— ends that episode as truncated with ``error`` set, and collection goes on; so does a
generation that comes back with ``error`` (an API request that failed for good) for its
episode, and a ``generate`` call that raises for every episode of its batch.

Groups for group-based advantages (GRPO, RLOO, GiGPO): :func:`group_specs` makes G specs per
task seed with one ``group_id`` and distinct sampling seeds, so the G episodes play the same
task and sample differently.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from agentgym.policy import Policy
from agentgym.rollout.recorder import EpisodeRecorder, RunSettings, check_settings
from agentgym.trajectory.records import Episode


@dataclass(frozen=True)
class EpisodeSpec:
    """One episode to play: the env's id (recorded), its reset seed and options, its group, the
    seed its sampling seeds derive from (default: the reset seed), and ``guidance``: text the
    policy is shown before the task (a hindsight hint, :class:`EpisodeRecorder`)."""

    env_id: str
    seed: int | None
    group_id: str = ""
    options: dict[str, Any] | None = None
    sampling_seed: int | None = None
    guidance: str | None = None


def group_specs(env_id: str, seeds: Sequence[int], group_size: int) -> list[EpisodeSpec]:
    """``group_size`` episodes per task seed, grouped, with sampling seeds ``seed * group_size + k``."""
    if group_size < 1:
        raise ValueError(f"group_size must be >= 1, got {group_size}")
    return [EpisodeSpec(env_id, seed, group_id=f"{env_id}@{seed}", sampling_seed=seed * group_size + k)
            for seed in seeds for k in range(group_size)]


@dataclass
class CollectStats:
    """Where collection time went: ``policy_s`` in ``generate``, ``env_s`` waiting for resets
    and steps, the rest bookkeeping (``overhead_s``)."""

    wall_s: float = 0.0
    policy_s: float = 0.0
    env_s: float = 0.0
    rounds: int = 0
    requests: int = 0
    generated_tokens: int = 0
    episodes: int = 0
    errors: int = 0
    batch_sizes: list[int] = field(default_factory=list)

    @property
    def overhead_s(self) -> float:
        return max(0.0, self.wall_s - self.policy_s - self.env_s)


def collect(pool: Any, policy: Policy, specs: Sequence[EpisodeSpec], *, settings: RunSettings | None = None,
            run_id: str = "", stats: CollectStats | None = None, batch_wait_s: float | None = None) -> Iterator[Episode]:
    """Play ``specs`` over ``pool`` with ``policy``; yields episodes as they finish.

    Args:
        pool: an env pool (``SubprocessPool``, ``RayPool`` or ``InProcessPool``); all its envs
            must be of the ids the specs name (the pool's env ``i`` plays whatever spec comes next).
        stats: filled in as collection goes (time split, batch sizes, tokens).
        batch_wait_s: when the policy is asked. None (default): once every env in flight has
            answered — the largest batches, right for model policies, whose call costs more than
            a step. A number: that many seconds after the first answer, with whoever has answered
            by then — envs never wait for a straggler, right for cheap policies (scripted, or an
            API policy with its own concurrency).
    """
    settings = settings or RunSettings()
    check_settings(settings, policy)
    stats = stats if stats is not None else CollectStats()
    queue = deque(_firsts_first(specs))
    active: dict[int, EpisodeRecorder] = {}
    in_flight: set[int] = set()
    clock = time.perf_counter()
    try:
        while queue or active:
            for index in range(len(pool)):
                if index not in active and queue:
                    spec = queue.popleft()
                    active[index] = EpisodeRecorder(env_id=spec.env_id, seed=spec.seed, policy=policy, settings=settings,
                                                    run_id=run_id, group_id=spec.group_id, sampling_seed=spec.sampling_seed,
                                                    guidance=spec.guidance, options=spec.options)
                    pool.submit_reset(index, spec.seed, spec.options)
                    in_flight.add(index)
            waiting = [i for i, recorder in active.items() if i not in in_flight]
            if waiting:
                requests = [active[i].request() for i in waiting]
                start = time.perf_counter()
                try:
                    generations = policy.generate(requests)
                except Exception as exc:  # noqa: BLE001 - a failed batch ends its episodes, not the run
                    stats.policy_s += time.perf_counter() - start
                    stats.errors += len(waiting)
                    for index in waiting:
                        active[index].abort(f"policy: {type(exc).__name__}: {exc}")
                        stats.episodes += 1
                        yield active.pop(index).finish()
                    continue
                policy_seconds = time.perf_counter() - start
                stats.policy_s += policy_seconds
                stats.rounds += 1
                stats.requests += len(requests)
                stats.batch_sizes.append(len(requests))
                stats.generated_tokens += sum(len(g.token_ids or []) for g in generations)
                for index, generation in zip(waiting, generations):
                    action = active[index].act(generation, policy_seconds)
                    if action is None:  # this request failed for good: its episode ends, recorded
                        stats.errors += 1
                        stats.episodes += 1
                        yield active.pop(index).finish()
                        continue
                    pool.submit(index, action)
                    in_flight.add(index)
            if not in_flight:
                continue
            start = time.perf_counter()
            outcomes = _answers(pool, in_flight, batch_wait_s)
            stats.env_s += time.perf_counter() - start
            for index, (result, error, seconds) in outcomes.items():
                in_flight.discard(index)
                recorder = active[index]
                stats.errors += error is not None
                if recorder.episode is None:  # its reset came back
                    if error is not None or result is None:
                        recorder.failed_start(f"reset: {error or 'the env gave no result'}")
                    else:
                        recorder.begin(*result)
                else:
                    recorder.record(result, env_seconds=seconds, error=error)
                if recorder.done:
                    del active[index]
                    stats.episodes += 1
                    yield recorder.finish()
    finally:
        stats.wall_s += time.perf_counter() - clock


def _firsts_first(specs: Sequence[EpisodeSpec]) -> list[EpisodeSpec]:
    """``specs`` with the first spec of each task (env id and seed) moved ahead, in order."""
    seen: set[tuple[str, int]] = set()
    firsts, rest = [], []
    for spec in specs:
        task = (spec.env_id, spec.seed)
        (rest if spec.seed is not None and task in seen else firsts).append(spec)
        seen.add(task)
    return firsts + rest


def _answers(pool: Any, in_flight: set[int], batch_wait_s: float | None) -> dict:
    """Wait for the first answer, then for the others: all of them, or until ``batch_wait_s``."""
    outcomes = dict(pool.poll())
    deadline = None if batch_wait_s is None else time.perf_counter() + batch_wait_s
    while len(outcomes) < len(in_flight):
        if deadline is None:
            outcomes.update(pool.poll())
            continue
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            break
        outcomes.update(pool.poll(remaining))
    return outcomes
