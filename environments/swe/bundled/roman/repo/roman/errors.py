"""Exceptions raised by the roman package.

Every error derives from :class:`RomanError`, which is a :class:`ValueError`, so callers that
already catch ``ValueError`` around number parsing keep working.
"""

from __future__ import annotations


class RomanError(ValueError):
    """Base class for every error of this package."""


class OutOfRangeError(RomanError):
    """A number that has no standard Roman numeral (outside 1 to 3999)."""

    def __init__(self, number: object, low: int, high: int) -> None:
        super().__init__(f"Roman numerals cover {low} to {high}; got {number!r}")
        self.number = number


class InvalidNumeralError(RomanError):
    """Text that is not the canonical Roman numeral of any number."""

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(f"{text!r} is not a valid Roman numeral: {reason}")
        self.text = text
        self.reason = reason
