"""Command line: ``python -m calendar_utils START END [--holiday DATE ...]``.

Prints the days, business days and a friendly span between two dates; dates may be
written in any form :func:`calendar_utils.parse_date` reads.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from . import business_days_between, days_between, format_span, parse_date
from .errors import CalendarError


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status (2 for a date that cannot be read)."""
    parser = argparse.ArgumentParser(prog="calendar_utils", description="Spans between two dates.")
    parser.add_argument("start")
    parser.add_argument("end")
    parser.add_argument("--holiday", action="append", default=[], metavar="DATE",
                        help="a day off not to count as a business day (repeatable)")
    args = parser.parse_args(argv)
    try:
        start, end = parse_date(args.start), parse_date(args.end)
        holidays = [parse_date(text) for text in args.holiday]
    except CalendarError as error:
        parser.error(str(error))
    print(f"days: {days_between(start, end)}")
    print(f"business days: {business_days_between(start, end, holidays)}")
    print(f"span: {format_span(start, end)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
