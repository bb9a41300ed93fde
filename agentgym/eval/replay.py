"""Replaying a recorded episode: the determinism audit behind ``agentgym replay``.

A fresh env is made as the run made it, reset with the recorded seed (and reset options, where
the episode had some), and given the recorded actions one by one; the first turn whose
observation, reward or end flags differ from the record is reported. Envs are deterministic by
contract (same seed, same actions, same observations), so a difference means the engine, its
version or the env's arguments changed — or the env is not deterministic.

How the env is made comes from the run directory: ``manifest.json`` (``agentgym eval``: the
suite entry of the episode's id), ``config.json`` (``agentgym run``) or ``config.toml``
(``agentgym train``: the eval or training arguments, after the episode's phase); ``env_kwargs``
given by the caller go over them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentgym.config import load_toml
from agentgym.errors import ConfigError
from agentgym.registry import make
from agentgym.trajectory.reader import read_episodes
from agentgym.trajectory.records import Episode

EVAL_PHASES = ("eval_before", "eval_sft", "eval_after", "eval")


@dataclass
class Mismatch:
    """Where a replay first differs from the record (``turn`` -1 is the first observation)."""

    turn: int
    field: str
    recorded: Any
    replayed: Any


@dataclass
class ReplayResult:
    """The outcome of a replay: ``mismatch`` is None when every turn matched."""

    episode: Episode
    env_id: str
    env_kwargs: dict[str, Any]
    turns_replayed: int
    mismatch: Mismatch | None = None


def find_episode(run_dir: Path, key: str) -> Episode:
    """The episode of ``run_dir`` whose id starts with ``key``, or whose group id is ``key``.

    Raises:
        ConfigError: none matches, or an id prefix matches several (the message lists some).
    """
    episodes = read_episodes(run_dir)
    exact = [e for e in episodes if e.episode_id == key or e.group_id == key]
    matches = exact or [e for e in episodes if key and e.episode_id.startswith(key)]
    if len(matches) == 1 or (exact and len({e.group_id for e in exact}) == 1):
        return matches[-1]  # a group replayed after an error: the latest episode
    some = ", ".join(f"{e.episode_id[:12]} ({e.group_id or e.env_id})" for e in (matches or episodes)[:8])
    if not matches:
        raise ConfigError(f"no episode {key!r} in {run_dir} ({len(episodes)} episodes; e.g. {some or 'none'})")
    raise ConfigError(f"{key!r} matches {len(matches)} episodes in {run_dir}: {some}; give more of the id")


def env_recipe(run_dir: Path, episode: Episode) -> tuple[str, dict[str, Any]]:
    """The env id and ``agentgym.make`` arguments the episode was played with (see the module docstring)."""
    manifest, run_config, train_config = run_dir / "manifest.json", run_dir / "config.json", run_dir / "config.toml"
    if manifest.is_file():
        entries = json.loads(manifest.read_text()).get("envs", [])
        name = episode.group_id.rpartition("@")[0]
        for entry in entries:
            if entry.get("name") == name:
                steps = entry.get("max_episode_steps")
                return entry["id"], {**entry.get("kwargs", {}), **({} if steps is None else {"max_episode_steps": steps})}
    if run_config.is_file():
        config = json.loads(run_config.read_text())
        steps = config.get("max_episode_steps")
        return config.get("env", episode.env_id), {**config.get("env_kwargs", {}),
                                                   **({} if steps is None else {"max_episode_steps": steps})}
    if train_config.is_file():
        env = load_toml(train_config).get("env", {})
        phase_kwargs = env.get("eval_kwargs" if episode.metadata.get("phase") in EVAL_PHASES else "train_kwargs", {})
        return env.get("id", episode.env_id), {**env.get("kwargs", {}), **phase_kwargs}
    return episode.env_id, {}


def replay(run_dir: Path, episode: Episode, env_kwargs: Mapping[str, Any] | None = None) -> ReplayResult:
    """Re-play ``episode``'s actions in a fresh env and compare every turn with the record."""
    env_id, kwargs = env_recipe(run_dir, episode)
    kwargs = {**kwargs, **(env_kwargs or {})}
    if episode.seed is None:
        raise ConfigError(f"episode {episode.episode_id} was played without a seed: it cannot be replayed")
    result = ReplayResult(episode, env_id, kwargs, 0)
    env = make(env_id, **kwargs)
    try:
        observation, _ = env.reset(seed=episode.seed, options=episode.metadata.get("reset_options"))
        # a hindsight hint was shown before the task, not by the env
        recorded_first = episode.metadata.get("unguided_first_observation", episode.first_observation)
        if observation != recorded_first:
            result.mismatch = Mismatch(-1, "observation", recorded_first, observation)
            return result
        for index, turn in enumerate(episode.turns):
            observation, reward, terminated, truncated, _ = env.step(turn.action)
            result.turns_replayed = index + 1
            for name, recorded, replayed in (("observation", turn.observation, observation), ("reward", turn.reward, reward),
                                             ("terminated", turn.terminated, terminated), ("truncated", turn.truncated, truncated)):
                if recorded != replayed:
                    result.mismatch = Mismatch(index, name, recorded, replayed)
                    return result
    finally:
        env.close()
    return result
