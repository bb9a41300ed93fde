"""Benchmark suites: named lists of envs that ``agentgym eval`` plays on the same seeds.

A suite is a TOML file::

    description = "TextWorld: the five generated game kinds, held-out games"
    episodes = 20                          # per env, unless --episodes says otherwise
    include = ["nethack"]                  # optional: the envs of other suites first (a file
                                           # beside this one, else found as below)

    [[envs]]
    id = "textworld/coin-v0"
    kwargs = { level = 5 }                 # over the env's eval_kwargs ({split = "test"})
    name = "coin-level5"                   # optional (default: the id); needed when an id appears twice
    max_episode_steps = 50                 # optional: the env's time limit otherwise

Where a suite named ``NAME`` is looked for, first match wins: a path to a ``.toml`` file;
``NAME.toml`` in each directory of ``$AGENTGYM_SUITES`` (``os.pathsep``-separated; users add
their own suites there); ``./configs/suites``; the suites that come with agentgym
(``configs/suites`` of its source tree). An env id that is no suite name is a suite of one env.

Every entry's constructor arguments are the spec's ``eval_kwargs`` (held-out tasks: families
with splits register ``{"split": "test"}``), then the suite's ``kwargs``, then the command
line's ``env_kwargs`` — so two policies evaluated with the same suite and seed play exactly the
same tasks.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from agentgym.config import load_toml
from agentgym.errors import ConfigError, EnvIdError
from agentgym.registry import ENV_ID_PATTERN, spec

SUITES_ENV_VAR = "AGENTGYM_SUITES"
BUNDLED_SUITES = Path(__file__).resolve().parents[2] / "configs" / "suites"
SUITE_KEYS = {"description", "episodes", "envs", "include"}
ENTRY_KEYS = {"id", "kwargs", "name", "max_episode_steps"}


@dataclass(frozen=True)
class SuiteEntry:
    """One env of a suite: its id, the name its episodes are grouped under (``name@seed``), the
    constructor arguments (eval_kwargs and the suite's, merged) and an optional time limit."""

    id: str
    name: str
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    max_episode_steps: int | None = None

    def make_kwargs(self) -> dict[str, Any]:
        """What :func:`agentgym.make` gets for this entry."""
        extra = {} if self.max_episode_steps is None else {"max_episode_steps": self.max_episode_steps}
        return {**self.kwargs, **extra}


@dataclass(frozen=True)
class Suite:
    """A named list of :class:`SuiteEntry` and a default number of episodes per entry."""

    name: str
    entries: tuple[SuiteEntry, ...]
    episodes: int | None = None
    description: str = ""
    source: str = ""


def suite_dirs() -> list[Path]:
    """The directories searched for suite files, in order."""
    dirs = [Path(p) for p in os.environ.get(SUITES_ENV_VAR, "").split(os.pathsep) if p]
    return [*dirs, Path.cwd() / "configs" / "suites", BUNDLED_SUITES]


def list_suites() -> dict[str, Path]:
    """Every suite name found, with its file (the first match of :func:`suite_dirs`)."""
    found: dict[str, Path] = {}
    for directory in suite_dirs():
        if directory.is_dir():
            for path in sorted(directory.glob("*.toml")):
                found.setdefault(path.stem, path)
    return found


def load_suite(name: str, env_kwargs: Mapping[str, Any] | None = None) -> Suite:
    """The suite ``name`` (a suite name, a ``.toml`` path or a single env id), with
    ``env_kwargs`` applied to every entry.

    Raises:
        ConfigError: no such suite or env, a malformed suite file, an entry naming an env that
            is not registered, duplicate entry names, or an include cycle.
    """
    suite = _resolve(name, stack=())
    if env_kwargs:
        suite = replace(suite, entries=tuple(replace(e, kwargs={**e.kwargs, **env_kwargs}) for e in suite.entries))
    return suite


def _resolve(name: str, stack: tuple[str, ...], near: Path | None = None) -> Suite:
    """The suite ``name``; an include (``near``: the including file's folder) looks beside its file first."""
    beside = near / f"{name}.toml" if near is not None else None
    path = Path(name) if name.endswith(".toml") else beside if beside is not None and beside.is_file() else list_suites().get(name)
    if path is not None:
        if not path.is_file():
            raise ConfigError(f"suite file not found: {path}")
        key = str(path.resolve())
        if key in stack:
            raise ConfigError(f"suite include cycle: {' -> '.join([*stack, key])}")
        return _parse(path, load_toml(path), (*stack, key))
    if ENV_ID_PATTERN.match(name):
        return Suite(name, (_entry({"id": name}, where=name),), source="env id")
    known = ", ".join(sorted(list_suites())) or "none"
    raise ConfigError(f"{name!r} is neither a registered env id nor a suite (suites found: {known}; "
                      f"add your own as NAME.toml in ${SUITES_ENV_VAR} or pass a .toml path)")


def _parse(path: Path, data: dict[str, Any], stack: tuple[str, ...]) -> Suite:
    unknown = sorted(set(data) - SUITE_KEYS)
    if unknown:
        raise ConfigError(f"{path}: unknown suite key(s) {unknown}; known keys: {sorted(SUITE_KEYS)}")
    episodes = data.get("episodes")
    if episodes is not None and (not isinstance(episodes, int) or isinstance(episodes, bool) or episodes < 1):
        raise ConfigError(f"{path}: episodes must be a positive integer, got {episodes!r}")
    entries: list[SuiteEntry] = []
    for included in data.get("include", []):
        entries.extend(_resolve(str(included), stack, near=path.parent).entries)
    raw = data.get("envs", [])
    if not isinstance(raw, list):
        raise ConfigError(f"{path}: envs must be an array of tables ([[envs]])")
    entries.extend(_entry(item, where=f"{path} envs[{i}]") for i, item in enumerate(raw))
    if not entries:
        raise ConfigError(f"{path}: the suite names no env (add [[envs]] tables or an include)")
    names = [e.name for e in entries]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(f"{path}: several entries are named {duplicates}; give them distinct `name`s")
    return Suite(path.stem, tuple(entries), episodes, str(data.get("description", "")), str(path))


def _entry(item: Any, where: str) -> SuiteEntry:
    if not isinstance(item, Mapping) or "id" not in item:
        raise ConfigError(f"{where}: an env entry is a table with at least an id, got {item!r}")
    unknown = sorted(set(item) - ENTRY_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown}; known keys: {sorted(ENTRY_KEYS)}")
    kwargs, steps = item.get("kwargs", {}), item.get("max_episode_steps")
    if not isinstance(kwargs, Mapping):
        raise ConfigError(f"{where}: kwargs must be a table, got {kwargs!r}")
    if steps is not None and (not isinstance(steps, int) or isinstance(steps, bool) or steps < 1):
        raise ConfigError(f"{where}: max_episode_steps must be a positive integer, got {steps!r}")
    try:
        env_spec = spec(str(item["id"]))
    except EnvIdError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    return SuiteEntry(env_spec.id, str(item.get("name", env_spec.id)), {**env_spec.eval_kwargs, **kwargs}, steps)
