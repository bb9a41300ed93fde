import pytest

from intervals import ParseError, format_duration, format_span, parse_span
from intervals.__main__ import main


def test_spans_are_read_and_written_as_times_of_day():
    assert parse_span("09:00-10:30") == (540, 630)
    assert parse_span(" 8:05 - 24:00 ") == (485, 1440)
    assert format_span((540, 630)) == "09:00-10:30"
    assert format_duration(95) == "1h35"


def test_bad_spans_are_rejected():
    for text in ("9-10", "10:00-09:00", "09:60-10:00", "09:00", "25:00-26:00"):
        with pytest.raises(ParseError):
            parse_span(text)


def test_cli_prints_busy_blocks_and_free_time(capsys):
    assert main(["09:00-10:00", "09:30-11:00", "13:00-14:00", "--within", "08:00-17:00"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "busy 09:00-11:00 (2h00)",
        "busy 13:00-14:00 (1h00)",
        "free 08:00-09:00 (1h00)",
        "free 11:00-13:00 (2h00)",
        "free 14:00-17:00 (3h00)",
    ]


def test_cli_reports_a_bad_range(capsys):
    assert main(["09:00-1000"]) == 2
    assert "not a time" in capsys.readouterr().err
