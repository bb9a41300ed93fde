"""Operations on closed intervals given as ``(start, end)`` pairs.

Every function validates its input with :func:`validate` first, so a reversed pair is
reported where it enters instead of producing a silently wrong schedule.
"""

from __future__ import annotations

from numbers import Real
from typing import Iterable, List, Optional, Tuple

from intervals.errors import InvalidIntervalError

Interval = Tuple[Real, Real]


def validate(interval: Iterable[Real]) -> Interval:
    """``interval`` as a ``(start, end)`` tuple, checked.

    Raises:
        InvalidIntervalError: not a pair of numbers, or ``end < start``.
    """
    try:
        start, end = interval
    except (TypeError, ValueError):
        raise InvalidIntervalError(f"expected a (start, end) pair, got {interval!r}") from None
    for value in (start, end):
        if isinstance(value, bool) or not isinstance(value, Real):
            raise InvalidIntervalError(f"interval bounds must be numbers, got {interval!r}")
    if end < start:
        raise InvalidIntervalError(f"interval ends before it starts: ({start!r}, {end!r})")
    return (start, end)


def merge_intervals(intervals: Iterable[Iterable[Real]]) -> List[Interval]:
    """Merge overlapping or touching intervals; the result is sorted by start.

    >>> merge_intervals([(5, 7), (1, 3), (2, 4)])
    [(1, 4), (5, 7)]
    """
    merged: List[Interval] = []
    for start, end in sorted(validate(interval) for interval in intervals):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def total_length(intervals: Iterable[Iterable[Real]]) -> Real:
    """The length of the union of ``intervals``: overlaps are counted once.

    >>> total_length([(0, 10), (5, 15), (20, 25)])
    20
    """
    return sum(end - start for start, end in merge_intervals(intervals))


def contains(intervals: Iterable[Iterable[Real]], point: Real) -> bool:
    """Whether ``point`` lies in one of ``intervals`` (ends included)."""
    return any(start <= point <= end for start, end in map(validate, intervals))


def intersect(first: Iterable[Real], second: Iterable[Real]) -> Optional[Interval]:
    """The interval both ``first`` and ``second`` cover, or None when they are disjoint.

    Touching intervals intersect in a single point: ``intersect((1, 3), (3, 5)) == (3, 3)``.
    """
    (a_start, a_end), (b_start, b_end) = validate(first), validate(second)
    start, end = max(a_start, b_start), min(a_end, b_end)
    return (start, end) if start <= end else None


def free_slots(busy: Iterable[Iterable[Real]], within: Iterable[Real],
               min_length: Real = 0) -> List[Interval]:
    """The gaps of ``within`` that no ``busy`` interval covers, sorted by start.

    Busy intervals are clipped to ``within`` first; a gap shorter than ``min_length`` is left
    out, and so is every empty gap between two busy blocks.

    >>> free_slots([(9, 10), (12, 13)], within=(8, 17))
    [(8, 9), (10, 12), (13, 17)]
    """
    low, high = validate(within)
    clipped = [part for part in (intersect(interval, (low, high)) for interval in busy) if part]
    slots: List[Interval] = []
    cursor = low
    for start, end in merge_intervals(clipped):
        if start > cursor and start - cursor >= min_length:
            slots.append((cursor, start))
        cursor = max(cursor, end)
    if high > cursor and high - cursor >= min_length:
        slots.append((cursor, high))
    return slots
