"""Command line: ``python -m intervals 09:00-10:00 09:30-11:00 --within 08:00-17:00``.

Prints the busy blocks (the ranges merged) and, with ``--within``, the free slots around
them, one per line with its length.
"""

from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

from intervals.core import free_slots, merge_intervals
from intervals.errors import IntervalError
from intervals.timefmt import format_duration, format_span, parse_span


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; the exit status is 2 when a range could not be read."""
    parser = argparse.ArgumentParser(prog="intervals", description="Merge HH:MM-HH:MM ranges and list free time.")
    parser.add_argument("spans", nargs="+", help="busy ranges such as 09:00-10:30")
    parser.add_argument("--within", help="the working hours, e.g. 08:00-17:00, to list free slots in")
    parser.add_argument("--min", type=int, default=0, metavar="MINUTES", help="leave out shorter free slots")
    args = parser.parse_args(argv)
    try:
        busy = [parse_span(text) for text in args.spans]
        within = parse_span(args.within) if args.within else None
    except IntervalError as error:
        print(f"intervals: {error}", file=sys.stderr)
        return 2
    for start, end in merge_intervals(busy):
        print(f"busy {format_span((start, end))} ({format_duration(end - start)})")
    if within is not None:
        for start, end in free_slots(busy, within, min_length=args.min):
            print(f"free {format_span((start, end))} ({format_duration(end - start)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
