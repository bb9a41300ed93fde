from datetime import date

from calendar_utils import days_between


def test_days_between():
    assert days_between(date(2024, 1, 1), date(2024, 3, 1)) == 60
    assert days_between(date(2024, 3, 1), date(2024, 1, 1)) == -60
