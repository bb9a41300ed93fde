"""Reading a series of numbers from text: one per line, or one column of a CSV file."""

from __future__ import annotations

import csv
import io
from typing import List, Union

from rolling.errors import SeriesError


def parse_series(text: str, column: Union[int, str] = 0) -> List[float]:
    """The numbers in ``text``, one row per line; blank lines and ``#`` comments are skipped.

    ``column`` picks a CSV column by position, or by name from a header row (a first row whose
    field is not a number is taken as a header and skipped).

    Raises:
        SeriesError: a field is not a number, a row is too short, or the column is unknown.
    """
    reader = csv.reader(io.StringIO(text))
    rows = [(reader.line_num, row) for row in reader
            if any(field.strip() for field in row) and not row[0].lstrip().startswith("#")]
    header: List[str] = []
    if rows and (isinstance(column, str) or not _is_number(_field(rows[0][1], column))):
        header = [field.strip() for field in rows.pop(0)[1]]
    if isinstance(column, str):
        if column not in header:
            raise SeriesError(f"no column {column!r}; the header has {', '.join(header) or 'nothing'}")
        column = header.index(column)
    series: List[float] = []
    for line, row in rows:
        if column >= len(row):
            raise SeriesError(f"line {line} has no column {column}: {','.join(row)!r}")
        field = _field(row, column)
        if not _is_number(field):
            raise SeriesError(f"line {line}: not a number: {field!r}")
        series.append(float(field))
    return series


def _field(row: List[str], column: int) -> str:
    return row[column].strip() if column < len(row) else ""


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
