"""Small helpers for calendar arithmetic."""

from datetime import date


def days_between(start: date, end: date) -> int:
    """Whole days from start to end (negative when end is earlier)."""
    return (end - start).days


def weeks_between(start: date, end: date) -> int:
    """Whole weeks from start to end, rounded towards zero."""
    return days_between(start, end) / 7
