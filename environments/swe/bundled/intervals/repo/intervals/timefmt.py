"""Times of day as minutes after midnight, read from and written as ``HH:MM``.

A day runs from ``00:00`` (0) to ``24:00`` (1440); ``24:00`` is accepted as the end of a
range so that a slot can reach midnight.
"""

from __future__ import annotations

import re
from typing import Tuple

from intervals.core import validate
from intervals.errors import ParseError

MINUTES_PER_DAY = 24 * 60
_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


def parse_time(text: str) -> int:
    """Minutes after midnight for an ``H:MM`` or ``HH:MM`` time (``"24:00"`` is 1440).

    Raises:
        ParseError: not a time of day.
    """
    match = _TIME.match(text)
    if not match:
        raise ParseError(f"not a time of day (expected HH:MM): {text!r}")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes >= 60 or hours * 60 + minutes > MINUTES_PER_DAY:
        raise ParseError(f"time out of range (00:00 to 24:00): {text!r}")
    return hours * 60 + minutes


def parse_span(text: str) -> Tuple[int, int]:
    """``"09:00-10:30"`` as ``(540, 630)``.

    Raises:
        ParseError: not two times joined by ``-``, or the second is before the first.
    """
    parts = text.split("-")
    if len(parts) != 2:
        raise ParseError(f"not a time range (expected HH:MM-HH:MM): {text!r}")
    start, end = parse_time(parts[0]), parse_time(parts[1])
    if end < start:
        raise ParseError(f"time range ends before it starts: {text!r}")
    return validate((start, end))


def format_time(minutes: int) -> str:
    """``540`` as ``"09:00"``."""
    if not 0 <= minutes <= MINUTES_PER_DAY:
        raise ValueError(f"minutes must be between 0 and {MINUTES_PER_DAY}, got {minutes!r}")
    hours, rest = divmod(int(minutes), 60)
    return f"{hours:02d}:{rest:02d}"


def format_span(span: Tuple[int, int]) -> str:
    """``(540, 630)`` as ``"09:00-10:30"``."""
    start, end = validate(span)
    return f"{format_time(start)}-{format_time(end)}"


def format_duration(minutes: int) -> str:
    """A length in minutes as ``"1h30"`` (``"0h05"`` for five minutes)."""
    hours, rest = divmod(int(minutes), 60)
    return f"{hours}h{rest:02d}"
