"""Moving averages: simple, weighted and exponential."""

from __future__ import annotations

import math
from numbers import Real
from typing import List, Optional, Sequence

from rolling.errors import WindowError
from rolling.windows import check_values, check_window, sliding_windows


def moving_average(values: Sequence[Real], window: int) -> List[float]:
    """The mean of every run of ``window`` consecutive values, in order (empty if too few values).

    A running sum is kept instead of summing each window again, so a long series with a wide
    window costs one addition and one subtraction per value.

    >>> moving_average([2, 4, 6, 8, 10], 3)
    [4.0, 6.0, 8.0]
    """
    size = check_window(window)
    data = check_values(values)
    averages: List[float] = []
    total = sum(data[:size])
    for index in range(size, len(data)):
        averages.append(total / size)
        total += data[index] - data[index - size]
    return averages


def weighted_moving_average(values: Sequence[Real], weights: Sequence[Real]) -> List[float]:
    """The weighted mean of every window of ``len(weights)`` values; the last weight goes to
    the newest value of each window.

    Raises:
        WindowError: no weights, a negative weight, or weights that sum to zero.
    """
    weights = check_values(weights)
    if not weights or any(weight < 0 for weight in weights) or not math.fsum(weights):
        raise WindowError(f"weights must be non-negative with a positive sum, got {weights!r}")
    scale = math.fsum(weights)
    return [math.fsum(w * v for w, v in zip(weights, run)) / scale
            for run in sliding_windows(check_values(values), len(weights))]


def exponential_moving_average(values: Sequence[Real], alpha: Optional[float] = None,
                               span: Optional[int] = None) -> List[float]:
    """The exponentially weighted moving average, one value per input value.

    Give either the smoothing factor ``alpha`` (0 < alpha <= 1) or a ``span`` of at least 1,
    which means ``alpha = 2 / (span + 1)``. The first value seeds the average.

    Raises:
        WindowError: neither or both given, or out of range.
    """
    if (alpha is None) == (span is None):
        raise WindowError("give exactly one of alpha and span")
    if span is not None:
        alpha = 2 / (check_window(span) + 1)
    if not 0 < alpha <= 1:
        raise WindowError(f"alpha must be in (0, 1], got {alpha!r}")
    smoothed: List[float] = []
    for value in check_values(values):
        smoothed.append(float(value) if not smoothed else alpha * value + (1 - alpha) * smoothed[-1])
    return smoothed
