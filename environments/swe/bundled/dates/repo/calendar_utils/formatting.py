"""Friendly text for spans of time: "in 1 week, 2 days", "3 days ago", "today"."""

from __future__ import annotations

from datetime import date


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def format_span(start: date, end: date) -> str:
    """How far ``end`` is from ``start``, in weeks and days, for reports and reminders.

        >>> format_span(date(2024, 1, 1), date(2024, 1, 10))
        'in 1 week, 2 days'
        >>> format_span(date(2024, 1, 10), date(2024, 1, 1))
        '1 week, 2 days ago'
        >>> format_span(date(2024, 1, 1), date(2024, 1, 1))
        'today'
    """
    days = (end - start).days
    if days == 0:
        return "today"
    weeks, rest = divmod(abs(days), 7)
    parts = [_plural(weeks, "week")] if weeks else []
    if rest or not parts:
        parts.append(_plural(rest, "day"))
    text = ", ".join(parts)
    return f"in {text}" if days > 0 else f"{text} ago"
