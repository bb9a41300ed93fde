from datetime import date, datetime

import pytest

from calendar_utils import CalendarError, days_between, months_between


def test_days_between():
    assert days_between(date(2024, 1, 1), date(2024, 3, 1)) == 60
    assert days_between(date(2024, 3, 1), date(2024, 1, 1)) == -60


def test_months_are_whole_and_round_towards_zero():
    assert months_between(date(2024, 1, 31), date(2024, 3, 1)) == 1
    assert months_between(date(2024, 3, 15), date(2024, 4, 14)) == 0
    assert months_between(date(2023, 11, 5), date(2024, 2, 5)) == 3
    assert months_between(date(2024, 3, 1), date(2024, 1, 31)) == -1


def test_spans_need_dates():
    with pytest.raises(CalendarError, match="end must be a datetime.date, got str"):
        days_between(date(2024, 1, 1), "2024-02-01")
    assert days_between(datetime(2024, 1, 1, 9), datetime(2024, 1, 2, 8)) == 0
