"""An env pool of Ray actors, so environments can run on many machines (extra ``ray``).

:class:`RayPool` has the interface of the other pools (:mod:`agentgym.rollout.pool`): each env
lives in a Ray actor; resets and steps are submitted without waiting, so actors step in parallel wherever
the cluster placed them. An actor whose process dies, or that does not answer
within ``step_timeout`` (``reset_timeout`` for a reset), is killed and replaced, and the step is reported as an error (the
collector ends that episode as truncated); an exception raised by the env itself is reported
the same way, and the actor kept.

Connect to your cluster first (``ray.init(address=...)``); without a running Ray, the pool
starts a local one (``ray.init()``). The env factories must be importable by the workers (for
:class:`~agentgym.rollout.pool.EnvFactory`, agentgym and the env's package installed there).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from agentgym.deps import require
from agentgym.rollout.pool import EnvPool, StepOutcome, WorkerError


class _EnvActor:
    """Holds one env inside a Ray actor."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        self.env = factory()

    def pid(self) -> int:
        import os

        return os.getpid()

    def reset(self, seed: int | None, options: dict | None) -> tuple[str, dict]:
        return self.env.reset(seed=seed, options=options)

    def step(self, action: str) -> tuple:
        return self.env.step(action)

    def close(self) -> None:
        self.env.close()


class RayPool(EnvPool):
    """Each env in a Ray actor.

    Args:
        factories: one picklable callable per env (e.g. :class:`~agentgym.rollout.pool.EnvFactory`).
        step_timeout: seconds a step may take before its actor is replaced.
        reset_timeout: the same for a reset (longer: a first reset may build its task).
        cpus_per_env: the CPUs Ray reserves for each actor (fractions pack several on a core).
    """

    def __init__(self, factories: Sequence[Callable[[], Any]], step_timeout: float = 120.0, cpus_per_env: float = 0.25,
                 reset_timeout: float = 900.0) -> None:
        self._ray = require("ray", extra="ray", what="the Ray env pool")
        if not self._ray.is_initialized():
            self._ray.init()
        self.factories = list(factories)
        self.step_timeout, self.reset_timeout = step_timeout, reset_timeout
        self._remote = self._ray.remote(num_cpus=cpus_per_env, max_restarts=0)(_EnvActor)
        self.actors = [self._remote.remote(f) for f in self.factories]
        self.restarts = 0
        self._futures: dict[int, tuple[Any, float, float]] = {}  # actor -> (reset or step future, when sent, time limit)

    def __len__(self) -> int:
        return len(self.actors)

    def pid(self, index: int) -> int:
        """The process id of actor ``index`` (for tests and monitoring)."""
        return self._ray.get(self.actors[index].pid.remote(), timeout=self.step_timeout)

    def reset(self, index: int, seed: int | None, options: dict | None = None) -> tuple[str, dict]:
        status, value = self._wait(index, self.actors[index].reset.remote(seed, options), self.reset_timeout)
        if status != "ok":
            raise WorkerError(value)
        return value

    def submit(self, index: int, action: str) -> None:
        self._futures[index] = (self.actors[index].step.remote(action), time.perf_counter(), self.step_timeout)

    def submit_reset(self, index: int, seed: int | None, options: dict | None = None) -> None:
        self._futures[index] = (self.actors[index].reset.remote(seed, options), time.perf_counter(), self.reset_timeout)

    def poll(self, timeout: float | None = None) -> dict[int, StepOutcome]:
        """The submitted resets and steps that finished, waiting up to ``timeout`` for the first
        (None: until one finishes); an actor past its time limit is replaced and reported."""
        if not self._futures:
            return {}
        now = time.perf_counter()
        deadline = min(started + limit for _, started, limit in self._futures.values())
        wait = max(0.0, deadline - now)
        refs = [ref for ref, _, _ in self._futures.values()]
        ready, _ = self._ray.wait(refs, num_returns=1, timeout=wait if timeout is None else min(wait, timeout))
        if ready:
            ready, _ = self._ray.wait(refs, num_returns=len(refs), timeout=0)
        done = set(ready)
        outcomes: dict[int, StepOutcome] = {}
        now = time.perf_counter()
        for index, (ref, started, limit) in list(self._futures.items()):
            if ref in done:
                del self._futures[index]
                status, value = self._wait(index, ref, limit)
                elapsed = time.perf_counter() - started
                outcomes[index] = (value, None, elapsed) if status == "ok" else (None, value, elapsed)
            elif now - started >= limit:
                del self._futures[index]
                self._replace(index)
                outcomes[index] = (None, f"the env actor did not answer within {limit:g} s (replaced)", now - started)
        return outcomes

    def _wait(self, index: int, future: Any, timeout: float) -> tuple[str, Any]:
        exceptions = self._ray.exceptions
        try:
            return "ok", self._ray.get(future, timeout=timeout)
        except exceptions.GetTimeoutError:
            self._replace(index)
            return "lost", f"the env actor did not answer within {timeout:g} s (replaced)"
        except exceptions.RayActorError as exc:
            self._replace(index)
            return "lost", f"the env actor died (replaced): {type(exc).__name__}"
        except exceptions.RayTaskError as exc:
            cause = exc.cause if getattr(exc, "cause", None) is not None else exc
            return "error", f"{type(cause).__name__}: {cause}"

    def _replace(self, index: int) -> None:
        self._ray.kill(self.actors[index], no_restart=True)
        self.actors[index] = self._remote.remote(self.factories[index])
        self.restarts += 1

    def close(self) -> None:
        for actor in self.actors:
            try:
                self._ray.get(actor.close.remote(), timeout=10)
            except Exception:  # noqa: BLE001 - a dead actor has nothing left to close
                pass
            self._ray.kill(actor, no_restart=True)
        self.actors = []
