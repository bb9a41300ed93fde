from humanize import format_duration, intcomma, ordinal


def test_durations_show_the_two_largest_units():
    assert format_duration(3725) == "1h 2m"
    assert format_duration(3725, parts=3) == "1h 2m 5s"
    assert format_duration(7200) == "2h"
    assert format_duration(0.25) == "250ms"
    assert format_duration(-90) == "-1m 30s"


def test_intcomma_and_ordinal():
    assert intcomma(1234567) == "1,234,567"
    assert intcomma(-1000, separator=" ") == "-1 000"
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 102)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "102nd"]
