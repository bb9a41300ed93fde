"""Run configurations: TOML files plus ``key=value`` overrides from the command line.

A config is a plain nested dict read from TOML. Overrides use dotted keys and TOML values:
``episodes=20``, ``env_kwargs.num_rooms=6``, ``policy="expert"`` (a value that does not parse
as TOML is taken as a string, so ``policy=expert`` works too). Dataclass configs are filled
with :func:`from_dict`, which refuses unknown keys and wrong types with the key's name (a field
whose type is a dataclass is a nested table).
"""

from __future__ import annotations

import dataclasses
import os
import sys
import types
import typing
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from agentgym.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

T = TypeVar("T")


def load_toml(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The TOML file at ``path`` as a dict.

    Raises:
        ConfigError: the file is missing or is not valid TOML (with the parser's message).
    """
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None


def parse_override(text: str) -> tuple[list[str], Any]:
    """``"a.b=3"`` → (``["a", "b"]``, ``3``). The value is TOML, else a plain string."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key or any(not part for part in key.split(".")):
        raise ConfigError(f"an override must look like key=value or a.b=value, got {text!r}")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return key.split("."), value


def apply_overrides(config: Mapping[str, Any], overrides: Iterable[str]) -> dict[str, Any]:
    """A copy of ``config`` with each ``key=value`` override set (nested tables created)."""
    out = _deep_copy(config)
    for text in overrides:
        path, value = parse_override(text)
        node = out
        for part in path[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(f"cannot set {'.'.join(path)}: {part!r} is a value, not a table")
            node = child
        node[path[-1]] = value
    return out


def from_dict(cls: type[T], data: Mapping[str, Any]) -> T:
    """Build the dataclass ``cls`` from ``data``, refusing unknown keys and mistyped values."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(f"unknown {cls.__name__} key(s) {unknown}; known keys: {sorted(fields)}")
    hints = typing.get_type_hints(cls)
    values = {}
    for name, value in data.items():
        hint = hints[name]
        if dataclasses.is_dataclass(hint):
            if not isinstance(value, Mapping):
                raise ConfigError(f"{cls.__name__}.{name} must be a table, got {type(value).__name__}: {value!r}")
            try:
                values[name] = from_dict(hint, value)
            except ConfigError as exc:
                raise ConfigError(f"in [{name}]: {exc}") from None
            continue
        if not _matches(value, hint):
            raise ConfigError(f"{cls.__name__}.{name} must be {_type_name(hint)}, got {type(value).__name__}: {value!r}")
        values[name] = value
    return cls(**values)


def _matches(value: Any, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if hint is Any:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, arg) for arg in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if origin is not None:
        return isinstance(value, origin)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)


def _type_name(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint).replace("typing.", "")


def _deep_copy(config: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _deep_copy(v) if isinstance(v, Mapping) else v for k, v in config.items()}
