"""Sliding windows over a series, and the statistics computed window by window."""

from __future__ import annotations

import statistics
from numbers import Real
from typing import Iterator, List, Sequence, Tuple

from rolling.errors import SeriesError, WindowError


def check_window(window: int) -> int:
    """``window`` if it is a usable window size (an integer of at least 1).

    Raises:
        WindowError: it is not.
    """
    if isinstance(window, bool) or not isinstance(window, int):
        raise WindowError(f"window must be an integer, got {window!r}")
    if window < 1:
        raise WindowError(f"window must be at least 1, got {window}")
    return window


def check_values(values: Sequence[Real]) -> List[Real]:
    """``values`` as a list, after checking that each one is a number.

    Raises:
        SeriesError: one of them is not (booleans and strings included).
    """
    data = list(values)
    for index, value in enumerate(data):
        if isinstance(value, bool) or not isinstance(value, Real):
            raise SeriesError(f"value {index} is not a number: {value!r}")
    return data


def sliding_windows(values: Sequence[Real], window: int) -> Iterator[Tuple[Real, ...]]:
    """Every run of ``window`` consecutive values, in order, as tuples.

    >>> list(sliding_windows([1, 2, 3, 4], 3))
    [(1, 2, 3), (2, 3, 4)]
    """
    size = check_window(window)
    data = list(values)
    for start in range(len(data) - size + 1):
        yield tuple(data[start:start + size])


def moving_median(values: Sequence[Real], window: int) -> List[Real]:
    """The median of every window (the mean of the middle two for an even window)."""
    return [statistics.median(run) for run in sliding_windows(check_values(values), window)]


def moving_min(values: Sequence[Real], window: int) -> List[Real]:
    """The smallest value of every window."""
    return [min(run) for run in sliding_windows(check_values(values), window)]


def moving_max(values: Sequence[Real], window: int) -> List[Real]:
    """The largest value of every window."""
    return [max(run) for run in sliding_windows(check_values(values), window)]
