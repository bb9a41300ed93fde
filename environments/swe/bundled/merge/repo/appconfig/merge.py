"""Merging layers of settings: later layers override earlier ones."""

from __future__ import annotations

import copy
from functools import reduce
from typing import Any, Dict, Mapping

from appconfig.errors import ConfigError


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> Dict[str, Any]:
    """A new dict: ``base`` with ``override`` applied; nested dicts are merged key by key.

    A value that is not a dict on both sides (a list, a number, None) replaces the old one
    wholesale. Neither argument is modified, and the result shares no mutable values with
    them, so callers may edit it freely.

    Raises:
        ConfigError: either argument is not a mapping.
    """
    for name, layer in (("base", base), ("override", override)):
        if not isinstance(layer, Mapping):
            raise ConfigError(f"{name} must be a mapping of settings, got {type(layer).__name__}")
    merged = {key: copy.deepcopy(value) for key, value in base.items()}
    for key, value in override.items():
        merged[key] = copy.deepcopy(value)
    return merged


def merge_all(*layers: Mapping[str, Any]) -> Dict[str, Any]:
    """All ``layers`` merged in order (the last one wins); ``{}`` for none."""
    return reduce(deep_merge, layers, {})
