import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from calendar_utils import CalendarError, format_span, parse_date

ROOT = Path(__file__).resolve().parent.parent


def test_parse_date_reads_common_forms():
    expected = date(2024, 3, 1)
    for text in ("2024-03-01", "2024/03/01", "1 Mar 2024", "1 march 2024", " March 1, 2024 ", "mar 1, 2024"):
        assert parse_date(text) == expected, text
    assert parse_date("Tomorrow", today=date(2024, 2, 28)) == date(2024, 2, 29)
    with pytest.raises(CalendarError, match="cannot read '01/03/2024' as a date"):
        parse_date("01/03/2024")


def test_format_span():
    assert format_span(date(2024, 1, 1), date(2024, 1, 10)) == "in 1 week, 2 days"
    assert format_span(date(2024, 1, 10), date(2024, 1, 1)) == "1 week, 2 days ago"
    assert format_span(date(2024, 1, 1), date(2024, 1, 15)) == "in 2 weeks"
    assert format_span(date(2024, 1, 2), date(2024, 1, 1)) == "1 day ago"
    assert format_span(date(2024, 1, 1), date(2024, 1, 1)) == "today"


def test_cli_prints_the_spans():
    result = subprocess.run([sys.executable, "-m", "calendar_utils", "2024-01-01", "1 Mar 2024",
                             "--holiday", "2024-01-15"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["days: 60", "business days: 43", "span: in 8 weeks, 4 days"]
