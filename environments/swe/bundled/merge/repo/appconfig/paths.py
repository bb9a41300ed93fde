"""Dotted key paths into nested settings: ``"db.pool.size"``."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, MutableMapping

from appconfig.errors import ConfigKeyError

_MISSING = object()


def _split(path: str) -> List[str]:
    parts = path.split(".")
    if not path or any(not part for part in parts):
        raise ConfigKeyError(f"not a key path (expected names joined by dots): {path!r}")
    return parts


def get_path(settings: Mapping[str, Any], path: str, default: Any = _MISSING) -> Any:
    """The value at ``path``; ``default`` when it is absent, if one is given.

    Raises:
        ConfigKeyError: the path is absent and there is no default, or it is malformed.
    """
    node: Any = settings
    for part in _split(path):
        if not isinstance(node, Mapping) or part not in node:
            if default is not _MISSING:
                return default
            raise ConfigKeyError(f"no setting {path!r}")
        node = node[part]
    return node


def set_path(settings: MutableMapping[str, Any], path: str, value: Any) -> None:
    """Set the value at ``path`` in place, creating the sections on the way.

    Raises:
        ConfigKeyError: a section on the way already holds a plain value.
    """
    *sections, last = _split(path)
    node = settings
    for depth, part in enumerate(sections):
        child = node.setdefault(part, {})
        if not isinstance(child, MutableMapping):
            where = ".".join(sections[:depth + 1])
            raise ConfigKeyError(f"cannot set {path!r}: {where!r} is a value, not a section")
        node = child
    node[last] = value


def flatten(settings: Mapping[str, Any], prefix: str = "") -> Dict[str, Any]:
    """The leaves of ``settings`` keyed by their dotted paths, in order.

    >>> flatten({"db": {"host": "h", "port": 1}, "debug": False})
    {'db.host': 'h', 'db.port': 1, 'debug': False}
    """
    flat: Dict[str, Any] = {}
    for key, value in settings.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, path))
        else:
            flat[path] = value
    return flat
