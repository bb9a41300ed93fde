"""Command line: ``python -m rolling --window 3 [--stat median] [--column close] [FILE]``.

Reads a series from FILE (standard input when absent) and prints one statistic per window.
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable, Dict, List, Optional, Sequence

from rolling.averages import exponential_moving_average, moving_average
from rolling.errors import RollingError
from rolling.series import parse_series
from rolling.windows import moving_max, moving_median, moving_min

STATS: Dict[str, Callable[[List[float], int], List[float]]] = {
    "mean": moving_average,
    "median": moving_median,
    "min": moving_min,
    "max": moving_max,
    "ema": lambda values, window: exponential_moving_average(values, span=window),
}


def _format(value: float, precision: int) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.{precision}f}"


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; the exit status is 2 for a bad window or unreadable input."""
    parser = argparse.ArgumentParser(prog="rolling", description="Rolling statistics over a series of numbers.")
    parser.add_argument("file", nargs="?", help="the series (default: standard input)")
    parser.add_argument("--window", type=int, required=True, help="values per window (the span for ema)")
    parser.add_argument("--stat", choices=sorted(STATS), default="mean")
    parser.add_argument("--column", default="0", help="CSV column, by position or header name")
    parser.add_argument("--precision", type=int, default=2, help="decimals printed (default 2)")
    args = parser.parse_args(argv)
    column = int(args.column) if args.column.isdigit() else args.column
    try:
        if args.file:
            with open(args.file, encoding="utf-8") as handle:
                text = handle.read()
        else:
            text = sys.stdin.read()
        results = STATS[args.stat](parse_series(text, column), args.window)
    except (OSError, RollingError) as error:
        print(f"rolling: {error}", file=sys.stderr)
        return 2
    for value in results:
        print(_format(value, args.precision))
    return 0


if __name__ == "__main__":
    sys.exit(main())
