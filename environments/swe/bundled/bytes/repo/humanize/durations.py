"""Durations: ``3725`` seconds -> ``"1h 2m"``."""

from __future__ import annotations

from .errors import HumanizeError

_STEPS = (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1))


def format_duration(seconds: float, *, parts: int = 2) -> str:
    """``seconds`` as at most ``parts`` units, largest first: ``"1h 2m"``, ``"3d 4h"``.

    Smaller units are truncated, never rounded up, so a timer never shows more time
    than has passed. Durations under a second are shown in milliseconds.

        >>> format_duration(3725)
        '1h 2m'
        >>> format_duration(3725, parts=3)
        '1h 2m 5s'
        >>> format_duration(0.25)
        '250ms'
    """
    if parts < 1:
        raise HumanizeError(f"parts must be at least 1, got {parts}")
    if seconds < 0:
        return "-" + format_duration(-seconds, parts=parts)
    if seconds < 1:
        return f"{int(seconds * 1000)}ms"
    remaining = int(seconds)
    shown = []
    for symbol, length in _STEPS:
        count, remaining = divmod(remaining, length)
        if count or shown:
            shown.append(f"{count}{symbol}")
        if len(shown) == parts:
            break
    # Drop trailing zero units: "2h 0m" reads better as "2h".
    while len(shown) > 1 and shown[-1][0] == "0":
        shown.pop()
    return " ".join(shown)
