"""``agentgym bench sandbox``: what a command in the Docker sandbox costs here.

Three latencies, each over ``execs`` (or ``acquires``) repetitions, median and 90th percentile:

* ``Sandbox.exec("true")`` — through the sandbox's command server (one exec kept open), with
  ``timeout``, ``bash`` and the output caps;
* a raw docker SDK ``container.exec_run(["true"])`` on the same container as the same user,
  interleaved with the above so both see the same engine load; the ratio is agentgym's cost;
* ``SandboxPool.acquire()`` from a warm pool (all ``pool`` sandboxes started), waiting for the
  pool to refill after each release.

Plus the time to start one sandbox (container, volume, workspace baseline) and to close it.
The ``sandbox`` package is loaded by name (the core never imports it), and the base image is
built first if missing (:func:`sandbox.images.build_base_image`; cached).
"""

from __future__ import annotations

import contextlib
import logging
import os
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from agentgym.bench.common import BenchError, percentile
from agentgym.deps import load_attr, require
from agentgym.errors import AgentGymError, ConfigError

logger = logging.getLogger(__name__)



def _fill_timeout(size: int) -> float:
    """How long a pool may take to start ``size`` sandboxes (one takes about a second here)."""
    return 60.0 + 10.0 * size


@dataclass
class Latency:
    """Order statistics of repeated timings, in milliseconds."""

    count: int
    median_ms: float
    p90_ms: float
    min_ms: float
    max_ms: float

    @classmethod
    def of(cls, seconds: list[float]) -> Latency:
        ms = [s * 1000 for s in seconds]
        return cls(count=len(ms), median_ms=statistics.median(ms), p90_ms=percentile(ms, 90), min_ms=min(ms), max_ms=max(ms))


@dataclass
class SandboxBench:
    """The figures of ``agentgym bench sandbox``.

    Attributes:
        image: the sandbox image.
        docker_host: the engine (``DOCKER_HOST``, or the SDK's default socket).
        image_s: checking (or building) the base image.
        start_s, close_s: starting one sandbox and closing it.
        sandbox_exec, raw_exec: ``Sandbox.exec("true")`` and the SDK's ``exec_run(["true"])``.
        exec_ratio: median ``Sandbox.exec`` / median ``exec_run``.
        pool: the warm pool's size; ``pool_fill_s``: from its creation until all were started.
        warm_acquire: ``SandboxPool.acquire()`` with the pool full.
    """

    image: str
    docker_host: str
    image_s: float
    start_s: float
    close_s: float
    sandbox_exec: Latency
    raw_exec: Latency
    exec_ratio: float
    pool: int
    pool_fill_s: float
    warm_acquire: Latency

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def bench_sandbox(*, execs: int = 50, pool: int = 4, acquires: int = 10, image: str | None = None,
                  on_phase: Callable[[str], None] | None = None) -> SandboxBench:
    """Measure the sandbox (see the module docstring).

    Args:
        execs: timed ``exec`` calls of each kind (at least 1).
        pool: the warm pool's size (at least 1).
        acquires: timed acquisitions from the warm pool (at least 1).
        image: the sandbox image (default: the base image, built if missing).
        on_phase: called with a short description as each phase starts.

    Raises:
        ConfigError: a count below 1.
        MissingDependencyError: the docker SDK is not installed.
        BenchError: no Docker engine answers (the message says how to start one), or the
            sandbox failed while being measured.
    """
    for name, value in (("execs", execs), ("pool", pool), ("acquires", acquires)):
        if value < 1:
            raise ConfigError(f"--{name} must be at least 1, got {value}")
    phase = on_phase or (lambda _: None)
    require("docker", extra="swe", what="the sandbox benchmark")
    _engine()  # no engine: a clear error before anything else
    sandbox_cls = load_attr("sandbox.sandbox:Sandbox")
    pool_cls = load_attr("sandbox.pool:SandboxPool")

    phase("checking the base image (built on first use: about a minute)")
    start = time.perf_counter()
    if image is None:
        load_attr("sandbox.images:build_base_image")()
        image = load_attr("sandbox.images:DEFAULT_TAG")
    image_s = time.perf_counter() - start

    with _failures_reported("starting a sandbox"):
        phase("starting a sandbox")
        start = time.perf_counter()
        box = sandbox_cls(image)
        start_s = time.perf_counter() - start
    with _failures_reported("exec"):
        try:
            phase(f"{execs} x Sandbox.exec and docker exec_run")
            ours, raw = _execs(box, execs)
        finally:
            phase("closing the sandbox")
            start = time.perf_counter()
            box.close()
            close_s = time.perf_counter() - start
    with _failures_reported("the warm pool"):
        phase(f"a warm pool of {pool}: {acquires} acquisitions")
        fill_s, acquired = _warm_acquires(pool_cls(size=pool, image=image), pool, acquires)
    sandbox_exec, raw_exec = Latency.of(ours), Latency.of(raw)
    return SandboxBench(image=image, docker_host=_docker_host(), image_s=image_s, start_s=start_s, close_s=close_s,
                        sandbox_exec=sandbox_exec, raw_exec=raw_exec, exec_ratio=sandbox_exec.median_ms / raw_exec.median_ms,
                        pool=pool, pool_fill_s=fill_s, warm_acquire=Latency.of(acquired))


def _execs(box: Any, execs: int) -> tuple[list[float], list[float]]:
    """Seconds of ``execs`` ``Sandbox.exec("true")`` and as many raw ``exec_run``, interleaved."""
    ours, raw = [], []
    box.exec("true")  # warm-up: a container's first exec pays for more than the later ones
    for _ in range(execs):
        start = time.perf_counter()
        box.container.exec_run(["true"], user=box.user)
        raw.append(time.perf_counter() - start)
        start = time.perf_counter()
        result = box.exec("true")
        ours.append(time.perf_counter() - start)
        if not result.ok:
            raise BenchError(f"`true` failed in the sandbox (exit code {result.exit_code}): {result.stderr[-300:]}")
    return ours, raw


@contextlib.contextmanager
def _failures_reported(what: str) -> Iterator[None]:
    """A sandbox or engine failure during ``what`` becomes a :class:`BenchError` saying so."""
    try:
        yield
    except AgentGymError:
        raise
    except Exception as exc:  # noqa: BLE001 - docker SDK and sandbox errors, reported as one clear line
        raise BenchError(f"the sandbox benchmark failed during {what}: {type(exc).__name__}: {exc}") from exc


def _engine() -> Any:
    """The docker SDK client, or a :class:`BenchError` that says how to start an engine."""
    unavailable = load_attr("sandbox.engine:EngineUnavailable")
    try:
        return load_attr("sandbox.engine:client")()
    except unavailable as exc:
        raise BenchError(f"the sandbox benchmark needs a Docker engine: {exc}") from None


def _warm_acquires(pool: Any, size: int, acquires: int) -> tuple[float, list[float]]:
    """Time to fill ``pool``, and the time of each acquisition with the pool full."""
    times = []
    with pool:
        start = time.perf_counter()
        _wait_full(pool, size)
        fill_s = time.perf_counter() - start
        for _ in range(acquires):
            _wait_full(pool, size)
            start = time.perf_counter()
            box = pool.acquire()
            times.append(time.perf_counter() - start)
            pool.release(box)
    return fill_s, times


def _wait_full(pool: Any, size: int) -> None:
    deadline = time.perf_counter() + _fill_timeout(size)
    while pool.ready() < size:
        if time.perf_counter() > deadline:
            raise BenchError(f"the sandbox pool did not start {size} sandboxes within {_fill_timeout(size):g} s "
                             f"({pool.ready()} ready); see `agentgym doctor` and the engine's log")
        time.sleep(0.01)


def _docker_host() -> str:
    return os.environ.get("DOCKER_HOST") or "the default socket"
