"""Rolling statistics over number series: moving averages, medians, extremes and EMA."""

from rolling.averages import exponential_moving_average, moving_average, weighted_moving_average
from rolling.errors import RollingError, SeriesError, WindowError
from rolling.series import parse_series
from rolling.windows import check_window, moving_max, moving_median, moving_min, sliding_windows

__version__ = "2.0.1"

__all__ = [
    "RollingError",
    "SeriesError",
    "WindowError",
    "check_window",
    "exponential_moving_average",
    "moving_average",
    "moving_max",
    "moving_median",
    "moving_min",
    "parse_series",
    "sliding_windows",
    "weighted_moving_average",
]
