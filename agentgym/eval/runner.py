"""``agentgym eval``'s work: check everything, play what is missing, summarise what is there.

:func:`prepare` does every check that can fail before an episode is played — the suite and its
envs exist, their dependencies are installed, their constructor arguments are accepted, the
policy can be made and its service answers, the output directory is empty or holds this very
run (``resume``) — and lists the episodes still to play. :func:`execute` plays them, one env id
after the other, ``concurrency`` envs at a time in subprocess workers
(:func:`agentgym.rollout.collect`), streaming each finished episode into the trajectory store,
so a killed run loses at most the episodes in flight. :func:`summarize_run` reads the store
back and writes ``summary.json``.

Every episode is identified by ``group_id = "<entry name>@<seed>"``: resuming plays exactly the
episodes whose id is not in the store yet. An episode that ended with an error (an API that
gave up, a crashed env) is a recorded result and is not played again, unless
``retry_errors``: then it is played again and the new episode replaces it in the summary (the
store keeps both; nothing is deleted).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from agentgym.deps import package_versions, require
from agentgym.errors import ConfigError
from agentgym.eval.config import DEFAULT_EPISODES, EvalConfig
from agentgym.eval.manifest import check_same_run, new_manifest, read_manifest, session_record, write_manifest
from agentgym.eval.suites import Suite, SuiteEntry, load_suite
from agentgym.policy import Policy, check_policy, make_policy
from agentgym.registry import make, spec
from agentgym.rollout import EnvFactory, EpisodeSpec, SubprocessPool, collect
from agentgym.rollout.recorder import check_settings
from agentgym.trajectory.reader import TRAJECTORIES_SUBDIR, part_files, read_episodes, read_table
from agentgym.trajectory.records import Episode
from agentgym.trajectory.summary import final_attempts, summarize
from agentgym.trajectory.writer import TrajectoryWriter

logger = logging.getLogger(__name__)
SUMMARY = "summary.json"


@dataclass
class EvalPlan:
    """A checked run, ready to play: ``todo`` holds each entry's episodes still to play."""

    config: EvalConfig
    suite: Suite
    out_dir: Path
    episodes: int
    policy: Policy
    manifest: dict[str, Any]
    todo: list[tuple[SuiteEntry, list[EpisodeSpec]]] = field(default_factory=list)
    recorded: int = 0

    @property
    def total(self) -> int:
        """Episodes the run consists of."""
        return self.episodes * len(self.suite.entries)

    @property
    def pending(self) -> int:
        """Episodes this session plays."""
        return sum(len(specs) for _, specs in self.todo)


def group_id(entry_name: str, seed: int) -> str:
    """The id of an eval episode: the suite entry and the reset seed."""
    return f"{entry_name}@{seed}"


def prepare(config: EvalConfig, *, resume: bool = False, retry_errors: bool = False,
            policy: Policy | None = None) -> EvalPlan:
    """Check the run and list the episodes to play (see the module docstring).

    Args:
        config: the validated settings.
        resume: continue the run in ``config.out`` (refused if it is a different run; a
            directory with no run yet is simply started).
        retry_errors: with ``resume``, play again the episodes that ended with an error.
        policy: an already made policy (else it is made from ``config.policy``).

    Raises:
        ConfigError, EnvIdError, MissingDependencyError, PolicyError: before anything is written.
    """
    config.validate()
    suite = load_suite(config.env, config.env_kwargs)
    episodes = config.episodes or suite.episodes or DEFAULT_EPISODES
    seeds = list(range(config.seed, config.seed + episodes))
    requires = _required_modules(suite)
    if config.max_episode_steps is not None:
        suite = replace(suite, entries=tuple(replace(e, max_episode_steps=config.max_episode_steps) for e in suite.entries))
    entries = [{"id": e.id, "name": e.name, "kwargs": dict(e.kwargs), "max_episode_steps": e.max_episode_steps}
               for e in suite.entries]
    run = json.loads(json.dumps(config.identity(entries, episodes)))  # as it reads back from the manifest
    out_dir = Path(config.out or default_out_dir(config, suite))
    recorded = _recorded_run(out_dir, run, resume)
    _check_arguments(suite)
    if policy is None:
        try:
            policy = make_policy(config.policy, seed=config.seed, **config.policy_kwargs)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"the policy {config.policy} cannot be made: {exc}") from None
    check_policy(policy)
    try:
        check_settings(config.run_settings(), policy)
    except ValueError as exc:
        raise ConfigError(f"{config.policy}: {exc}") from None
    manifest = recorded or new_manifest(run, suite=suite.name, policy=policy, env_versions=package_versions(sorted(requires)),
                                        seeds=seeds)
    done = _finished_groups(out_dir, retry_errors) if recorded else set()
    plan = EvalPlan(config, suite, out_dir, episodes, policy, manifest)
    for entry in suite.entries:
        specs = [EpisodeSpec(entry.id, s, group_id=group_id(entry.name, s)) for s in seeds if group_id(entry.name, s) not in done]
        if specs:
            plan.todo.append((entry, specs))
    plan.recorded = plan.total - plan.pending
    return plan


def execute(plan: EvalPlan, on_episode: Callable[[Episode], None] | None = None) -> None:
    """Play the plan's pending episodes into ``out_dir/trajectories``; ``on_episode`` sees each one."""
    config = plan.config
    plan.out_dir.mkdir(parents=True, exist_ok=True)
    session = session_record()
    plan.manifest["sessions"].append(session)
    write_manifest(plan.out_dir, plan.manifest)
    settings = config.run_settings()
    # model policies batch every waiting env; cheap policies never make an env wait for another
    batch_wait = None if getattr(plan.policy, "tokenizer", None) is not None else 0.0
    start, played = time.perf_counter(), 0
    with TrajectoryWriter(plan.out_dir / TRAJECTORIES_SUBDIR, run_config=plan.manifest["run"],
                          env_versions=plan.manifest["env_versions"]) as writer:
        for entry, specs in plan.todo:
            factory = EnvFactory(entry.id, entry.make_kwargs())
            with SubprocessPool([factory] * min(config.concurrency, len(specs)), step_timeout=config.step_timeout) as pool:
                for episode in collect(pool, plan.policy, specs, settings=settings, run_id=plan.out_dir.name,
                                       batch_wait_s=batch_wait):
                    writer.write(episode)
                    played += 1
                    if on_episode is not None:
                        on_episode(episode)
    session.update(seconds=round(time.perf_counter() - start, 3), episodes=played)
    write_manifest(plan.out_dir, plan.manifest)


def summarize_run(out_dir: Path) -> dict[str, Any]:
    """Per-env and overall statistics of the run in ``out_dir``, written to ``summary.json``.

    Returns:
        ``{"kind", "suite", "policy", "model", "episodes_per_env", "seed", "complete",
        "wall_time_s", "envs": {name: {"env": id, "planned": n, **summarize(...)}},
        "overall": {**summarize(all), "macro_success_rate"}}``. ``wall_time_s`` adds up the
        sessions that finished (a killed session's time is not known); ``macro_success_rate``
        is the mean of the envs' success rates (each env weighs the same, whatever its episodes).
    """
    manifest = read_manifest(out_dir)
    if manifest is None:
        raise ConfigError(f"{out_dir} holds no eval run (no manifest.json)")
    latest = final_attempts(read_episodes(out_dir)) if part_files_exist(out_dir) else {}
    envs, chosen = {}, []
    for entry in manifest["envs"]:
        episodes = [latest[g] for g in (group_id(entry["name"], s) for s in entry["seeds"]) if g in latest]
        chosen += episodes
        envs[entry["name"]] = {"env": entry["id"], "planned": len(entry["seeds"]), **summarize(episodes)}
    rates = [s["success_rate"] for s in envs.values() if s["success_rate"] is not None]
    run = manifest["run"]
    summary = {
        "kind": "eval",
        "suite": manifest["suite"],
        "policy": manifest["policy"],
        "model": manifest["model"],
        "episodes_per_env": run["episodes"],
        "seed": run["seed"],
        "complete": all(s["episodes"] == s["planned"] for s in envs.values()),
        "wall_time_s": sum(s.get("seconds", 0.0) for s in manifest["sessions"]),
        "envs": envs,
        "overall": {**summarize(chosen), "macro_success_rate": sum(rates) / len(rates) if rates else None},
    }
    tmp = out_dir / f".{SUMMARY}.tmp"
    tmp.write_text(json.dumps(summary, indent=2) + "\n")
    tmp.replace(out_dir / SUMMARY)
    return summary


def _required_modules(suite: Suite) -> set[str]:
    """The modules the suite's envs import; a missing one raises, naming the extra to install."""
    requires: set[str] = set()
    for entry in suite.entries:
        env_spec = spec(entry.id)
        requires.update(env_spec.requires)
        for module in env_spec.requires:
            require(module, extra=env_spec.extra, what=f"the env {env_spec.id}")
    return requires


def _check_arguments(suite: Suite) -> None:
    """Make each env and ask it whether its engine can run here (``check_ready``), then close
    it: refused arguments and a missing Java or Docker engine fail now, not after an hour of other envs."""
    for entry in suite.entries:
        try:
            env = make(entry.id, **entry.make_kwargs())
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"the env {entry.name} refuses its arguments {entry.make_kwargs()}: {exc}") from None
        try:
            check = getattr(env.unwrapped, "check_ready", None)
            if callable(check):
                check()
        finally:
            env.close()


def default_out_dir(config: EvalConfig, suite: Suite) -> str:
    slug = f"{suite.name}-{config.policy}".replace("/", "-").replace(":", "-").replace(".toml", "")
    return f"runs/eval-{slug}-{time.strftime('%Y%m%d-%H%M%S')}"


def part_files_exist(out_dir: Path) -> bool:
    return (out_dir / TRAJECTORIES_SUBDIR).is_dir() and bool(part_files(out_dir))


def _recorded_run(out_dir: Path, run: dict[str, Any], resume: bool) -> dict[str, Any] | None:
    """The manifest of the run already in ``out_dir`` (checked to be this run), or None."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError(f"{out_dir} is a file; --out must name a directory")
    if not out_dir.exists() or not any(out_dir.iterdir()):
        return None
    recorded = read_manifest(out_dir)
    if recorded is None:
        raise ConfigError(f"{out_dir} already holds files that are not an agentgym eval run; choose another --out "
                          "(nothing was changed)")
    check_same_run(out_dir, recorded, run)
    if not resume:
        raise ConfigError(f"{out_dir} already holds this run: pass --resume to continue it, or choose another --out "
                          "(nothing was changed)")
    return recorded


def _finished_groups(out_dir: Path, retry_errors: bool) -> set[str]:
    if not part_files_exist(out_dir):
        return set()
    table = read_table(out_dir, columns=["group_id", "error"]).to_pydict()
    return {g for g, error in zip(table["group_id"], table["error"]) if not (retry_errors and error is not None)}
