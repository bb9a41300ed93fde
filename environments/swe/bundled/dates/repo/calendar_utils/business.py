"""Business days: Monday to Friday, minus the holidays the caller passes in."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Iterable

_SATURDAY = 5


def is_business_day(day: date, holidays: Iterable[date] = ()) -> bool:
    """Whether ``day`` is a weekday that is not one of ``holidays``."""
    return day.weekday() < _SATURDAY and day not in set(holidays)


def business_days_between(start: date, end: date, holidays: Iterable[date] = ()) -> int:
    """Business days from ``start`` (counted) to ``end`` (not counted).

    Negative when ``end`` is earlier, like the other span functions. Holidays that
    fall on a weekend are not subtracted twice.

        >>> business_days_between(date(2024, 1, 1), date(2024, 1, 8))
        5
    """
    if end < start:
        return -business_days_between(end, start, holidays)
    days = (end - start).days
    full_weeks, rest = divmod(days, 7)
    count = full_weeks * 5
    tail_start = start + timedelta(days=full_weeks * 7)
    count += sum(1 for offset in range(rest) if (tail_start + timedelta(days=offset)).weekday() < _SATURDAY)
    count -= sum(1 for day in set(holidays) if start <= day < end and day.weekday() < _SATURDAY)
    return count


def add_business_days(start: date, count: int, holidays: Iterable[date] = ()) -> date:
    """The date ``count`` business days after ``start`` (before it when ``count`` < 0).

    ``start`` itself is never counted, so adding one business day to a Friday gives the
    next Monday. ``count == 0`` returns ``start`` unchanged, even on a weekend.

        >>> add_business_days(date(2024, 1, 5), 1)
        datetime.date(2024, 1, 8)
    """
    holidays = set(holidays)
    step = timedelta(days=1 if count >= 0 else -1)
    day, remaining = start, abs(count)
    while remaining:
        day += step
        if is_business_day(day, holidays):
            remaining -= 1
    return day
