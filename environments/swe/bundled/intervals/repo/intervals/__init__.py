"""Closed intervals for schedules: merging, coverage, free slots and ``HH:MM`` ranges.

An interval is a ``(start, end)`` pair of numbers with ``start <= end``; both ends belong
to it. Functions take any iterable of pairs and return lists of tuples, sorted by start.
"""

from intervals.core import contains, free_slots, intersect, merge_intervals, total_length, validate
from intervals.errors import IntervalError, InvalidIntervalError, ParseError
from intervals.timefmt import format_duration, format_span, format_time, parse_span, parse_time

__version__ = "0.4.2"

__all__ = [
    "IntervalError",
    "InvalidIntervalError",
    "ParseError",
    "contains",
    "format_duration",
    "format_span",
    "format_time",
    "free_slots",
    "intersect",
    "merge_intervals",
    "parse_span",
    "parse_time",
    "total_length",
    "validate",
]
