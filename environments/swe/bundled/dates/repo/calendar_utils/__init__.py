"""Calendar arithmetic for reports and schedules.

The span functions live here; business days, parsing and formatting have modules of
their own and are re-exported below.

    >>> from datetime import date
    >>> days_between(date(2024, 1, 1), date(2024, 3, 1))
    60
"""

from __future__ import annotations

from datetime import date

from .business import add_business_days, business_days_between, is_business_day
from .errors import CalendarError
from .formatting import format_span
from .parsing import parse_date

__all__ = [
    "CalendarError",
    "add_business_days",
    "business_days_between",
    "days_between",
    "format_span",
    "is_business_day",
    "months_between",
    "parse_date",
    "weeks_between",
]
__version__ = "2.1.0"


def _require_dates(start: object, end: object) -> None:
    for name, value in (("start", start), ("end", end)):
        if not isinstance(value, date):
            raise CalendarError(f"{name} must be a datetime.date, got {type(value).__name__}: {value!r}")


def days_between(start: date, end: date) -> int:
    """Whole days from start to end (negative when end is earlier)."""
    _require_dates(start, end)
    return (end - start).days


def weeks_between(start: date, end: date) -> int:
    """Whole weeks from start to end, rounded towards zero (negative when end is earlier)."""
    return days_between(start, end) / 7


def months_between(start: date, end: date) -> int:
    """Whole calendar months from start to end, rounded towards zero.

    A month is complete once the same day of the month comes round again, so from
    31 January to 1 March is one month and from 15 March to 14 April none.

        >>> months_between(date(2024, 1, 31), date(2024, 3, 1))
        1
        >>> months_between(date(2024, 3, 1), date(2024, 1, 31))
        -1
    """
    _require_dates(start, end)
    if end < start:
        return -months_between(end, start)
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day:
        months -= 1
    return months
