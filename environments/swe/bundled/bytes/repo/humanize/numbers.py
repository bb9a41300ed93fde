"""Counts: thousands separators and ordinals."""

from __future__ import annotations

from .errors import HumanizeError


def intcomma(number: int, separator: str = ",") -> str:
    """``number`` with ``separator`` between groups of three digits.

        >>> intcomma(1234567)
        '1,234,567'
        >>> intcomma(-1000, separator=" ")
        '-1 000'
    """
    if isinstance(number, bool) or not isinstance(number, int):
        raise HumanizeError(f"intcomma takes a whole number, got {number!r}")
    return f"{number:,}".replace(",", separator)


def ordinal(number: int) -> str:
    """``number`` with its English ordinal suffix: 1st, 2nd, 3rd, 4th, 11th, 22nd.

        >>> [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 102)]
        ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '102nd']
    """
    if isinstance(number, bool) or not isinstance(number, int):
        raise HumanizeError(f"ordinal takes a whole number, got {number!r}")
    # 11, 12 and 13 (and 111, 212 ...) take "th" despite ending in 1, 2, 3.
    if abs(number) % 100 in (11, 12, 13):
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(abs(number) % 10, "th")
    return f"{number}{suffix}"
