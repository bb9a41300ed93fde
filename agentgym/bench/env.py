"""``agentgym bench env``: how fast one registered env makes, resets and steps here, and its memory.

The measurement, in order, on one env made with :func:`agentgym.make` (standard wrappers on):

1. ``make`` — the constructor (some families start their engine here);
2. the first reset (cold): it may generate a game (TextWorld, ALFWorld: unless the game is in
   ``$AGENTGYM_CACHE`` already), start a JVM (ScienceWorld) or a container (SWE);
3. warm resets: ``resets`` more resets with the same seed, median and 90th percentile;
4. ``steps`` steps of a uniformly random policy over ``info["admissible_actions"]`` (a fixed
   fallback list where the env lists none); an episode that ends is reset with the same seed, so
   the stepping measures the engine, not the generation of new games. ``steps_per_s`` counts
   the time inside ``step`` only; ``loop_s`` is the wall time of the whole loop, resets included.

Memory: see :mod:`agentgym.bench.memory` (this process' peak over the measurement where the
kernel allows, the peaks of its live child processes, e.g. ScienceWorld's JVM).
"""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from agentgym.bench.common import BenchError, percentile
from agentgym.bench.memory import MemoryFigures, MemoryProbe
from agentgym.errors import AgentGymError, ConfigError
from agentgym.registry import make, spec

logger = logging.getLogger(__name__)

# What the random policy plays where the env lists no admissible actions: common text-game
# commands and one SWE tool call, so every family gets some actions it understands.
FALLBACK_ACTIONS: tuple[str, ...] = ("look", "inventory", "north", "south", "east", "west", "wait", "```bash\nls\n```")


@dataclass
class EnvBench:
    """The figures of one env (seconds unless named otherwise).

    Attributes:
        env_id, env_kwargs, seed: what was measured.
        make_s: ``agentgym.make``.
        cold_reset_s: the first reset.
        warm_resets: how many warm resets were timed; ``warm_reset_s`` their median,
            ``warm_reset_p90_s`` their 90th percentile.
        steps: steps taken (equals the ``steps`` asked for).
        step_s: time inside ``env.step``; ``steps_per_s`` = ``steps / step_s``.
        loop_s: wall time of the stepping loop (policy choice and episode resets included).
        episodes_ended: episodes that ended (terminated or truncated) during the stepping.
        admissible_steps / fallback_steps: steps whose action came from the env's list / the fallback list.
        invalid_actions: steps the env answered with ``info["action_valid"] = False``.
        close_s: ``env.close()`` (stops engines).
        memory: see :class:`agentgym.bench.memory.MemoryFigures`.
    """

    env_id: str
    env_kwargs: dict[str, Any]
    seed: int
    make_s: float
    cold_reset_s: float
    warm_resets: int
    warm_reset_s: float
    warm_reset_p90_s: float
    steps: int
    step_s: float
    steps_per_s: float
    loop_s: float
    episodes_ended: int
    admissible_steps: int
    fallback_steps: int
    invalid_actions: int
    close_s: float
    memory: MemoryFigures
    fallback_actions: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def bench_env(env_id: str, *, steps: int = 1000, seed: int = 0, resets: int = 5, env_kwargs: Mapping[str, Any] | None = None,
              fallback_actions: Sequence[str] = FALLBACK_ACTIONS, on_phase: Callable[[str], None] | None = None) -> EnvBench:
    """Measure ``env_id`` (see the module docstring).

    Args:
        env_id: a registered id.
        steps: random-policy steps to time (at least 1).
        seed: the reset seed of every reset, and the seed of the random policy.
        resets: warm resets to time (at least 1).
        env_kwargs: constructor arguments (``agentgym.make`` keywords such as
            ``max_episode_steps`` too).
        fallback_actions: what the random policy picks from when the env lists no actions.
        on_phase: called with a short description as each phase starts (for a progress display).

    Raises:
        EnvIdError: the id is not registered (the message lists close matches).
        MissingDependencyError: the env's family is not installed (the message names the extra).
        ConfigError: a count below 1, a negative seed, or constructor arguments the env refuses.
        BenchError: the env failed while being measured.
    """
    if steps < 1:
        raise ConfigError(f"--steps must be at least 1, got {steps}")
    if resets < 1:
        raise ConfigError(f"--resets must be at least 1, got {resets}")
    if seed < 0:
        raise ConfigError(f"--seed must be non-negative, got {seed}")
    if not fallback_actions:
        raise ConfigError("the fallback action list is empty; give at least one action")
    kwargs = dict(env_kwargs or {})
    spec(env_id)  # an unknown id fails here, listing close matches
    phase = on_phase or (lambda _: None)
    probe = MemoryProbe()
    probe.start()

    phase(f"making {env_id}")
    start = time.perf_counter()
    try:
        env = make(env_id, **kwargs)
    except AgentGymError:
        raise
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"the env {env_id} refuses its arguments {kwargs}: {exc}") from None
    make_s = time.perf_counter() - start
    try:
        phase("first (cold) reset")
        start = time.perf_counter()
        _, info = _checked(env_id, "the first reset", lambda: env.reset(seed=seed))
        cold_reset_s = time.perf_counter() - start
        probe.sample()

        phase(f"{resets} warm resets")
        warm = []
        for _ in range(resets):
            start = time.perf_counter()
            _, info = _checked(env_id, "a warm reset", lambda: env.reset(seed=seed))
            warm.append(time.perf_counter() - start)
        probe.sample()

        phase(f"{steps} random steps")
        stepping = _step_randomly(env_id, env, info, steps=steps, seed=seed, fallback_actions=fallback_actions)
        memory = probe.figures()  # before close() stops the env's processes
    finally:
        start = time.perf_counter()
        env.close()
        close_s = time.perf_counter() - start
    return EnvBench(env_id=env_id, env_kwargs=kwargs, seed=seed, make_s=make_s, cold_reset_s=cold_reset_s, warm_resets=resets,
                    warm_reset_s=statistics.median(warm), warm_reset_p90_s=percentile(warm, 90), close_s=close_s,
                    memory=memory, fallback_actions=list(fallback_actions), **stepping)


def _step_randomly(env_id: str, env: Any, info: dict[str, Any], *, steps: int, seed: int,
                   fallback_actions: Sequence[str]) -> dict[str, Any]:
    """Take ``steps`` uniformly random steps from the state after a reset with ``seed``."""
    rng = np.random.default_rng(seed)
    step_s = 0.0
    ended = admissible = invalid = 0
    loop_start = time.perf_counter()
    for _ in range(steps):
        actions = info.get("admissible_actions") or []
        admissible += bool(actions)
        choices = actions or fallback_actions
        action = choices[int(rng.integers(len(choices)))]
        start = time.perf_counter()
        _, _, terminated, truncated, info = _checked(env_id, f"a step ({action!r})", lambda: env.step(action))
        step_s += time.perf_counter() - start
        invalid += info.get("action_valid") is False
        if terminated or truncated:
            ended += 1
            _, info = _checked(env_id, "a reset after an episode ended", lambda: env.reset(seed=seed))
    loop_s = time.perf_counter() - loop_start
    return {"steps": steps, "step_s": step_s, "steps_per_s": steps / max(step_s, 1e-9), "loop_s": loop_s,
            "episodes_ended": ended, "admissible_steps": admissible, "fallback_steps": steps - admissible,
            "invalid_actions": invalid}


def _checked(env_id: str, what: str, call: Callable[[], Any]) -> Any:
    """``call()``; an env error becomes a :class:`BenchError` naming the env and the phase."""
    try:
        return call()
    except AgentGymError:
        raise
    except Exception as exc:  # noqa: BLE001 - any env failure ends the measurement, said clearly
        raise BenchError(f"{env_id} failed during {what}: {type(exc).__name__}: {exc}") from exc
