"""Turning flag text into typed values."""

from __future__ import annotations

from typing import Any, Callable

from .errors import FlagError

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def to_bool(text: str | bool) -> bool:
    """``True`` for 1/true/yes/on, ``False`` for 0/false/no/off (any case)."""
    if isinstance(text, bool):
        return text
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"expected one of {', '.join(sorted(_TRUE | _FALSE))}")


def converter_for(kind: type) -> Callable[[Any], Any]:
    """The function that turns flag text into a ``kind`` (``str``, ``int``, ``float``, ``bool``)."""
    if kind is bool:
        return to_bool
    if kind in (str, int, float):
        return kind
    raise TypeError(f"options can be str, int, float or bool, not {kind.__name__}")


def convert(name: str, kind: type, raw: Any) -> Any:
    """``raw`` as a ``kind``, or a :class:`FlagError` naming the flag and the bad value."""
    if raw is True and kind is not bool:
        raise FlagError(f"--{name} needs a value: write --{name}=VALUE")
    try:
        return converter_for(kind)(raw)
    except ValueError as error:
        detail = f" ({error})" if kind is bool else ""
        raise FlagError(f"--{name} expects {kind.__name__}, got {raw!r}{detail}") from None
