import io

import pytest

from rolling import SeriesError, parse_series
from rolling.__main__ import main


def test_series_from_lines_and_csv_columns():
    assert parse_series("1\n\n# gap\n2.5\n") == [1.0, 2.5]
    assert parse_series("date,close\n2024-01-02,10\n2024-01-03,12\n", column="close") == [10.0, 12.0]
    assert parse_series("2024-01-02,10\n2024-01-03,12\n", column=1) == [10.0, 12.0]


def test_bad_series_are_reported_with_their_line():
    with pytest.raises(SeriesError, match="line 3: not a number: 'n/a'"):
        parse_series("1\n2\nn/a\n")
    with pytest.raises(SeriesError, match="no column 'open'"):
        parse_series("date,close\n2024-01-02,10\n", column="open")


def test_cli_prints_a_statistic_per_window(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("3\n1\n2\n5\n"))
    assert main(["--window", "3", "--stat", "median"]) == 0
    assert capsys.readouterr().out == "2\n2\n"
    path = tmp_path / "prices.csv"
    path.write_text("date,close\n2024-01-02,1\n2024-01-03,4\n2024-01-04,2\n")
    assert main(["--window", "2", "--stat", "max", "--column", "close", str(path)]) == 0
    assert capsys.readouterr().out == "4\n4\n"
    assert main(["--window", "0", str(path), "--column", "close"]) == 2
    assert "at least 1" in capsys.readouterr().err
