from datetime import date

from calendar_utils import add_business_days, business_days_between, is_business_day

NEW_YEAR, MLK_DAY = date(2024, 1, 1), date(2024, 1, 15)


def test_business_days_skip_weekends_and_holidays():
    assert business_days_between(date(2024, 1, 1), date(2024, 1, 8)) == 5
    assert business_days_between(date(2024, 1, 1), date(2024, 3, 1)) == 44
    assert business_days_between(date(2024, 1, 1), date(2024, 3, 1), [NEW_YEAR, MLK_DAY, date(2024, 1, 6)]) == 42
    assert business_days_between(date(2024, 1, 8), date(2024, 1, 1)) == -5


def test_add_business_days_steps_over_weekends():
    friday = date(2024, 1, 5)
    assert add_business_days(friday, 1) == date(2024, 1, 8)
    assert add_business_days(friday, -5) == date(2023, 12, 29)
    assert add_business_days(date(2024, 1, 12), 1, [MLK_DAY]) == date(2024, 1, 16)
    assert add_business_days(date(2024, 1, 6), 0) == date(2024, 1, 6)


def test_is_business_day():
    assert is_business_day(date(2024, 1, 2)) and not is_business_day(date(2024, 1, 6))
    assert not is_business_day(NEW_YEAR, [NEW_YEAR])
