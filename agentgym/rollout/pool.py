"""Env pools: many envs stepped together, in this process or in subprocess workers.

A pool holds N envs made by picklable factories (:class:`EnvFactory`). ``submit(i, action)``
starts a step of env ``i``, ``submit_reset(i, seed, options)`` a reset, and ``poll(timeout)``
returns what has finished (waiting up to ``timeout`` for the first): per env, the result —
``(obs, reward, terminated, truncated, info)`` for a step, ``(obs, info)`` for a reset — or the
error that ended it, and the seconds it took. Resets go through the same queue as steps because
they can be the slow part (a TextWorld game generated on first use, a JVM loading a task, a
container starting): the other envs go on meanwhile. ``reset(i, ...)`` is the blocking form for
one env. Pools are context managers.

:class:`SubprocessPool` (the default for collection) runs each env in its own process, so the
envs step in parallel and an env that crashes or hangs cannot take the run down: a worker that
dies (even by SIGKILL) or does not answer within ``step_timeout`` seconds (``reset_timeout`` for a
reset, which may generate a game) is killed and started
again, and its step is reported as an error (the collector ends that episode as truncated with
the error recorded). Workers start with the ``spawn`` method: the parent may hold a model and
its threads, which ``fork`` does not survive reliably.
"""

from __future__ import annotations

import multiprocessing as mp
import multiprocessing.connection as mp_connection
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

StepOutcome = tuple[tuple | None, str | None, float]  # (result, error, seconds)


@dataclass(frozen=True)
class EnvFactory:
    """Makes one env with :func:`agentgym.make` (picklable, so a worker process can call it)."""

    env_id: str
    kwargs: dict[str, Any] = field(default_factory=dict)

    def __call__(self) -> Any:
        import agentgym

        return agentgym.make(self.env_id, **self.kwargs)


class EnvPool:
    """The interface of the pools (see the module docstring)."""

    def __len__(self) -> int:
        raise NotImplementedError

    def reset(self, index: int, seed: int | None, options: dict | None = None) -> tuple[str, dict]:
        raise NotImplementedError

    def submit(self, index: int, action: str) -> None:
        raise NotImplementedError

    def submit_reset(self, index: int, seed: int | None, options: dict | None = None) -> None:
        raise NotImplementedError

    def poll(self, timeout: float | None = None) -> dict[int, StepOutcome]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> EnvPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class InProcessPool(EnvPool):
    """The envs in this process, stepped one after the other (no isolation; for small, safe envs)."""

    def __init__(self, factories: Sequence[Callable[[], Any]]) -> None:
        self.envs = [factory() for factory in factories]
        self._pending: dict[int, tuple[str, Any]] = {}  # env -> (command, payload)

    def __len__(self) -> int:
        return len(self.envs)

    def reset(self, index: int, seed: int | None, options: dict | None = None) -> tuple[str, dict]:
        return self.envs[index].reset(seed=seed, options=options)

    def submit(self, index: int, action: str) -> None:
        self._pending[index] = ("step", action)

    def submit_reset(self, index: int, seed: int | None, options: dict | None = None) -> None:
        self._pending[index] = ("reset", (seed, options))

    def poll(self, timeout: float | None = None) -> dict[int, StepOutcome]:
        """Runs the submitted resets and steps, one after the other, and returns them all."""
        outcomes = {}
        pending, self._pending = self._pending, {}
        for index, (command, payload) in pending.items():
            start = time.perf_counter()
            try:
                result = _run(self.envs[index], command, payload)
                outcomes[index] = (result, None, time.perf_counter() - start)
            except Exception as exc:  # noqa: BLE001 - an env error ends its episode, not the run
                outcomes[index] = (None, f"{type(exc).__name__}: {exc}", time.perf_counter() - start)
        return outcomes

    def close(self) -> None:
        for env in self.envs:
            env.close()


class WorkerError(RuntimeError):
    """A worker failed to answer (it crashed, hung, or its env raised)."""


def _run(env: Any, command: str, payload: Any) -> tuple:
    """Carry out one pool command on ``env``: ``reset`` with (seed, options), or ``step`` with an action."""
    if command == "reset":
        return env.reset(seed=payload[0], options=payload[1])
    return env.step(payload)


def _serve(conn: Any, factory: Callable[[], Any]) -> None:
    """A worker's loop: make the env, then answer reset / step / close messages."""
    env, failure = None, None
    try:
        env = factory()
    except Exception as exc:  # noqa: BLE001 - reported to the parent on the first message
        failure = f"making the env failed: {type(exc).__name__}: {exc}"
    while True:
        try:
            command, payload = conn.recv()
        except (EOFError, KeyboardInterrupt):
            break
        if command == "close":
            break
        if failure is not None:
            conn.send(("error", failure))
            continue
        try:
            conn.send(("ok", _run(env, command, payload)))
        except Exception as exc:  # noqa: BLE001 - the parent records it and goes on
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
    if env is not None:
        env.close()


class _Worker:
    def __init__(self, context: Any, factory: Callable[[], Any]) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, factory), daemon=True)
        self.process.start()
        child.close()

    def send(self, command: str, payload: Any) -> bool:
        try:
            self.conn.send((command, payload))
            return True
        except (BrokenPipeError, OSError):
            return False

    def receive(self, timeout: float, limit: float) -> tuple[str, Any]:
        """``("ok", value)``, ``("error", why)`` when the env raised, or ``("lost", why)`` when
        the worker died or did not answer in time."""
        try:
            if not self.conn.poll(timeout):
                return "lost", f"the env worker did not answer within {limit:g} s (killed and restarted)"
            return self.conn.recv()
        except (EOFError, OSError):
            return "lost", self.death_note()

    def death_note(self) -> str:
        """Why the worker's pipe broke, with its exit code (it is restarted after this)."""
        self.process.join(1.0)
        return f"the env worker died (exit code {self.process.exitcode}; restarted)"

    def ask(self, command: str, payload: Any, timeout: float) -> tuple[str, Any]:
        if not self.send(command, payload):
            return "lost", self.death_note()
        return self.receive(timeout, timeout)

    def stop(self, timeout: float = 5.0) -> None:
        self.send("close", None)
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


class SubprocessPool(EnvPool):
    """Each env in its own worker process; crashed or hung workers are restarted.

    Args:
        factories: one picklable callable per env (e.g. :class:`EnvFactory`).
        step_timeout: seconds a step may take before its worker is killed and restarted.
        reset_timeout: the same for a reset, longer by default: a first reset may build its task
            (TextWorld compiles a game in seconds, and many envs may be compiling at once).
    """

    def __init__(self, factories: Sequence[Callable[[], Any]], step_timeout: float = 120.0,
                 reset_timeout: float = 900.0) -> None:
        self._context = mp.get_context("spawn")
        self.factories = list(factories)
        self.step_timeout, self.reset_timeout = step_timeout, reset_timeout
        self.workers = [_Worker(self._context, f) for f in self.factories]
        self.restarts = 0
        self._pending: dict[int, tuple[float, float]] = {}  # worker -> (when its command was sent, its time limit)
        self._gone: set[int] = set()

    def __len__(self) -> int:
        return len(self.workers)

    def pid(self, index: int) -> int:
        """The process id of worker ``index`` (for tests and monitoring)."""
        return self.workers[index].process.pid

    def reset(self, index: int, seed: int | None, options: dict | None = None) -> tuple[str, dict]:
        """Reset env ``index``; a failed reset restarts the worker and raises :class:`WorkerError`."""
        status, value = self.workers[index].ask("reset", (seed, options), self.reset_timeout)
        if status == "lost":
            self._restart(index)
        if status != "ok":
            raise WorkerError(value)
        return value

    def submit(self, index: int, action: str) -> None:
        """Send a step to worker ``index`` (it works while others do)."""
        self._send(index, "step", action, self.step_timeout)

    def submit_reset(self, index: int, seed: int | None, options: dict | None = None) -> None:
        """Send a reset to worker ``index``; its ``(obs, info)`` comes back through :meth:`poll`."""
        self._send(index, "reset", (seed, options), self.reset_timeout)

    def _send(self, index: int, command: str, payload: Any, limit: float) -> None:
        self._pending[index] = (time.perf_counter(), limit)
        if not self.workers[index].send(command, payload):
            self._gone.add(index)

    def poll(self, timeout: float | None = None) -> dict[int, StepOutcome]:
        """The submitted resets and steps that finished, waiting up to ``timeout`` seconds for the
        first (None: until one finishes); a worker past its time limit is killed and reported."""
        outcomes: dict[int, StepOutcome] = {}
        now = time.perf_counter()
        for index in list(self._gone):
            self._gone.discard(index)
            outcomes[index] = self._lost(index, self.workers[index].death_note(), now)
        if outcomes or not self._pending:
            return outcomes
        deadline = min(started + limit for started, limit in self._pending.values())
        wait = max(0.0, deadline - now)
        ready = mp_connection.wait([self.workers[i].conn for i in self._pending], timeout=wait if timeout is None else min(wait, timeout))
        by_conn = {self.workers[i].conn: i for i in self._pending}
        for conn in ready:
            index = by_conn[conn]
            status, value = self.workers[index].receive(0.0, self._pending[index][1])
            if status == "lost":
                outcomes[index] = self._lost(index, value, time.perf_counter())
            else:
                started, _ = self._pending.pop(index)
                outcomes[index] = (value, None, time.perf_counter() - started) if status == "ok" else (None, value, time.perf_counter() - started)
        now = time.perf_counter()
        for index, (started, limit) in list(self._pending.items()):
            if now - started >= limit:
                outcomes[index] = self._lost(index, f"the env worker did not answer within {limit:g} s (killed and restarted)", now)
        return outcomes

    def _lost(self, index: int, why: str, now: float) -> StepOutcome:
        started, _ = self._pending.pop(index, (now, 0.0))
        self._restart(index)
        return None, why, now - started

    def _restart(self, index: int) -> None:
        worker = self.workers[index]
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join()
        worker.conn.close()
        self.workers[index] = _Worker(self._context, self.factories[index])
        self.restarts += 1

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
