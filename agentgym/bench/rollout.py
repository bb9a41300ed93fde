"""``agentgym bench rollout``: episode collection throughput over an env pool, and where the time goes.

:func:`bench_rollout` plays ``episodes`` episodes (reset seeds ``seed, seed + 1, …``) with
:func:`agentgym.rollout.collect` over a pool of ``envs`` envs and reports generated tokens/s,
episodes/s and turns/s over the collection's wall time, the split of that time from
:class:`agentgym.rollout.CollectStats` (in ``generate``, waiting for envs, bookkeeping) and the
sizes of the policy batches. Set-up is timed apart and not in the rates: building the policy,
and starting the pool, whose every env is reset once before the clock starts (workers spawned
and imported; for TextWorld, the games of the first ``envs`` seeds generated).

The default policy, ``tiny``, is a randomly initialised 2-layer, 64-wide Llama with a byte-level
BPE tokenizer trained on the env's first observation (:mod:`policies.tiny`): built offline in
seconds, it measures the machinery around a model, not a model. Any policy name works too
(``random``, ``hf:PATH``, ``openai:MODEL``, …). With ``baseline=True`` the same episodes are also
played one env at a time (a pool of one, same kind), and the ratios say what the pool buys.
"""

from __future__ import annotations

import logging
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from agentgym.actions import ACTION_FORMATS
from agentgym.bench.common import BenchError
from agentgym.deps import load_attr, require
from agentgym.errors import AgentGymError, ConfigError, PolicyError
from agentgym.policy import POLICY_ENTRY_POINTS, SamplingParams, check_policy, make_policy
from agentgym.registry import make, spec
from agentgym.rollout import CollectStats, EnvFactory, EpisodeSpec, InProcessPool, RunSettings, SubprocessPool, collect
from agentgym.rollout.recorder import CONTEXTS, check_settings
from agentgym.trajectory.records import Episode

logger = logging.getLogger(__name__)

TINY = "tiny"
POOLS = ("subprocess", "inprocess")


@dataclass
class CollectFigures:
    """One collection run (seconds unless named otherwise).

    Attributes:
        envs: the pool's size.
        pool_start_s: starting the pool and resetting each env once (not in the rates).
        wall_s, policy_s, env_s, overhead_s: :class:`agentgym.rollout.CollectStats`' split.
        episodes, turns, errors: episodes collected, their turns (env steps), episodes ended by an error.
        generated_tokens: tokens the policy generated (local models: sampled token ids; API
            policies: the usage they report; scripted policies: 0).
        tokens_per_s, episodes_per_s, turns_per_s: over ``wall_s``.
        rounds: ``generate`` calls; ``batch_mean`` / ``batch_min`` / ``batch_max``: requests per call.
        success_rate: share of episodes won (a sanity check, not a speed).
    """

    envs: int
    pool_start_s: float
    wall_s: float
    policy_s: float
    env_s: float
    overhead_s: float
    episodes: int
    turns: int
    errors: int
    generated_tokens: int
    tokens_per_s: float
    episodes_per_s: float
    turns_per_s: float
    rounds: int
    batch_mean: float
    batch_min: int
    batch_max: int
    success_rate: float


@dataclass
class RolloutBench:
    """The settings and figures of ``agentgym bench rollout``.

    ``tokens_speedup`` / ``episodes_speedup``: pool rate / one-env rate (None without a
    baseline, or, for tokens, when the policy reports no tokens).
    """

    env_id: str
    env_kwargs: dict[str, Any]
    policy: str
    context: str
    pool: str
    seed: int
    max_turns: int
    max_new_tokens: int
    torch_threads: int | None
    policy_setup_s: float
    pooled: CollectFigures
    baseline: CollectFigures | None = None
    tokens_speedup: float | None = None
    episodes_speedup: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def bench_rollout(env_id: str = "toy/keys-v0", *, envs: int = 8, episodes: int = 32, policy: str = TINY,
                  context: str | None = None, pool: str = "subprocess", seed: int = 0, max_turns: int = 8,
                  max_new_tokens: int = 16, action_format: str = "raw", env_kwargs: Mapping[str, Any] | None = None,
                  baseline: bool = False, torch_threads: int | None = None, on_episode: Callable[[Episode], None] | None = None) -> RolloutBench:
    """Measure collection throughput (see the module docstring).

    Args:
        env_id: the env every episode plays.
        envs: the pool's size (more than ``episodes`` would idle: capped at ``episodes``).
        episodes: episodes to collect.
        policy: ``tiny`` (default) or a policy name for :func:`agentgym.make_policy`.
        context: ``text``, ``concat`` or ``window``; None: ``concat`` for a policy with a
            tokenizer (token-exact, as trainers collect), else ``text``.
        pool: ``subprocess`` (each env in a worker, as eval and train run) or ``inprocess``.
        seed: episode ``i`` is reset with ``seed + i``; the policy is seeded with it.
        max_turns, max_new_tokens: per episode and per turn caps.
        action_format: how actions are read from the policy's output.
        env_kwargs: constructor arguments of every env.
        baseline: also play the same episodes one env at a time.
        torch_threads: ``torch.set_num_threads`` for a local model (None: torch's default, one
            per core). On a shared or loaded machine one thread can be many times faster: the
            threads of one operation wait for each other whenever another job holds a core.
        on_episode: called with each finished episode (a progress display).

    Raises:
        EnvIdError, MissingDependencyError, PolicyError, ConfigError: before anything is played.
        BenchError: the pool could not be started.
    """
    _validate(envs=envs, episodes=episodes, context=context, pool=pool, seed=seed, max_turns=max_turns,
              max_new_tokens=max_new_tokens, action_format=action_format,
              torch_threads=torch_threads)
    env_spec = spec(env_id)
    kwargs = dict(env_kwargs or {})
    try:
        make(env_spec.id, **kwargs).close()  # dependencies and arguments fail now, not in a worker
    except AgentGymError:
        raise
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"the env {env_id} refuses its arguments {kwargs}: {exc}") from None
    if torch_threads is not None:
        require("torch", extra="hf", what="--torch-threads").set_num_threads(torch_threads)
    start = time.perf_counter()
    agent = build_policy(policy, env_id, kwargs, seed=seed)
    policy_setup_s = time.perf_counter() - start
    threads = _torch_threads(agent)
    if context is None:
        context = "concat" if getattr(agent, "tokenizer", None) is not None else "text"
    settings = RunSettings(action_format=action_format, max_turns=max_turns, context=context,
                           sampling=SamplingParams(max_new_tokens=max_new_tokens))
    try:
        check_settings(settings, agent)
    except ValueError as exc:
        raise ConfigError(f"{policy}: {exc}; choose --context text for this policy") from None
    specs = [EpisodeSpec(env_id, seed + i) for i in range(episodes)]
    if envs > episodes:
        logger.info("%d envs for %d episodes: the pool gets %d (more would idle)", envs, episodes, episodes)
    factory = EnvFactory(env_id, kwargs)
    pooled = _collect(factory, min(envs, episodes), pool, agent, specs, settings, on_episode)
    alone = _collect(factory, 1, pool, agent, specs, settings, on_episode) if baseline else None
    result = RolloutBench(env_id=env_id, env_kwargs=kwargs, policy=policy, context=context, pool=pool, seed=seed, max_turns=max_turns,
                          max_new_tokens=max_new_tokens, torch_threads=threads, policy_setup_s=policy_setup_s, pooled=pooled, baseline=alone)
    if alone is not None:
        result.episodes_speedup = _ratio(pooled.episodes_per_s, alone.episodes_per_s)
        result.tokens_speedup = _ratio(pooled.tokens_per_s, alone.tokens_per_s)
    return result


def build_policy(name: str, env_id: str, env_kwargs: Mapping[str, Any], *, seed: int = 0) -> Any:
    """The policy ``name``; ``tiny`` is built offline with a tokenizer trained on ``env_id``'s
    first observation and actions (see the module docstring). Raises ``PolicyError`` /
    ``ConfigError`` for a name that cannot be made, and runs the policy's ``check()``."""
    if name == TINY:
        policy = _tiny_policy(env_id, env_kwargs, seed=seed)
    else:
        try:
            policy = make_policy(name, seed=seed)
        except PolicyError as exc:
            if name.partition(":")[0] in POLICY_ENTRY_POINTS:
                raise
            raise PolicyError(f"{exc}; the rollout bench also takes {TINY} (its default: a random-weight model built offline)") from None
        except AgentGymError:
            raise
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"the policy {name} cannot be made: {exc}") from None
    check_policy(policy)
    return policy


def _tiny_policy(env_id: str, env_kwargs: Mapping[str, Any], *, seed: int) -> Any:
    env = make(env_id, **env_kwargs)
    try:
        observation, info = env.reset(seed=seed)
    finally:
        env.close()
    corpus = [observation, *(info.get("admissible_actions") or [])] * 20
    tokenizer = load_attr("policies.tiny:offline_tokenizer")(corpus, "chatml")
    config = load_attr("policies.tiny:tiny_config")(tokenizer)
    policy = load_attr("policies.hf:HFPolicy").from_config(config, tokenizer, seed=seed, device="cpu")
    policy.name = TINY
    return policy


def _collect(factory: EnvFactory, envs: int, kind: str, agent: Any, specs: list[EpisodeSpec], settings: RunSettings,
             on_episode: Callable[[Episode], None] | None) -> CollectFigures:
    start = time.perf_counter()
    pool = SubprocessPool([factory] * envs) if kind == "subprocess" else InProcessPool([factory] * envs)
    try:
        _warm_up(pool, specs)
        pool_start_s = time.perf_counter() - start
        stats = CollectStats()
        # a model policy waits for every env (largest batches); a scripted one never makes an env wait
        batch_wait = None if getattr(agent, "tokenizer", None) is not None else 0.0
        played = []
        for episode in collect(pool, agent, specs, settings=settings, stats=stats, batch_wait_s=batch_wait):
            played.append(episode)
            if on_episode is not None:
                on_episode(episode)
    finally:
        pool.close()
    return _figures(envs, pool_start_s, stats, played)


def _warm_up(pool: Any, specs: list[EpisodeSpec]) -> None:
    """Reset every env of the pool once, in parallel, with the seeds its first episodes use."""
    for index in range(len(pool)):
        pool.submit_reset(index, specs[index].seed)
    answered: dict[int, Any] = {}
    while len(answered) < len(pool):
        answered.update(pool.poll())
    failed = {i: error for i, (_, error, _) in answered.items() if error is not None}
    if failed:
        index, error = next(iter(failed.items()))
        raise BenchError(f"{len(failed)} of {len(pool)} envs failed to start; env {index}: {error}")


def _figures(envs: int, pool_start_s: float, stats: CollectStats, played: list[Episode]) -> CollectFigures:
    tokens = sum(int(e.metadata.get("usage", {}).get("completion_tokens", 0)) for e in played)
    turns = sum(e.num_turns for e in played)
    wall = max(stats.wall_s, 1e-9)
    sizes = stats.batch_sizes or [0]
    return CollectFigures(envs=envs, pool_start_s=pool_start_s, wall_s=stats.wall_s, policy_s=stats.policy_s, env_s=stats.env_s,
                          overhead_s=stats.overhead_s, episodes=len(played), turns=turns, errors=sum(e.error is not None for e in played),
                          generated_tokens=tokens, tokens_per_s=tokens / wall, episodes_per_s=len(played) / wall, turns_per_s=turns / wall,
                          rounds=stats.rounds, batch_mean=statistics.fmean(sizes), batch_min=min(sizes), batch_max=max(sizes),
                          success_rate=sum(e.success for e in played) / len(played) if played else 0.0)


def _torch_threads(agent: Any) -> int | None:
    """The intra-op threads torch uses, for a policy running a local torch model (else None)."""
    if getattr(agent, "model", None) is None or "torch" not in sys.modules:
        return None
    return int(sys.modules["torch"].get_num_threads())


def _ratio(a: float, b: float) -> float | None:
    return a / b if a > 0 and b > 0 else None


def _validate(*, envs: int, episodes: int, context: str | None, pool: str, seed: int, max_turns: int, max_new_tokens: int,
              action_format: str, torch_threads: int | None) -> None:
    for name, value in (("envs", envs), ("episodes", episodes), ("max-turns", max_turns), ("max-new-tokens", max_new_tokens)):
        if value < 1:
            raise ConfigError(f"--{name} must be at least 1, got {value}")
    if seed < 0:
        raise ConfigError(f"--seed must be non-negative, got {seed}")
    if context is not None and context not in CONTEXTS:
        raise ConfigError(f"--context must be one of {', '.join(CONTEXTS)}, got {context!r}")
    if pool not in POOLS:
        raise ConfigError(f"--pool must be one of {', '.join(POOLS)}, got {pool!r}")
    if torch_threads is not None and torch_threads < 1:
        raise ConfigError(f"--torch-threads must be at least 1, got {torch_threads}")
    if action_format not in ACTION_FORMATS:
        raise ConfigError(f"--action-format must be one of {', '.join(ACTION_FORMATS)}, got {action_format!r}")
