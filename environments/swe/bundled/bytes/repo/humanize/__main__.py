"""Command line: ``python -m humanize [--si] [--precision N] SIZE...``.

Each SIZE is a byte count (``1536``) or a size with a unit (``"2 GiB"``); each is
printed on its own line in the largest fitting unit.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from .errors import HumanizeError
from .sizes import format_bytes, parse_bytes


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``humanize`` command."""
    parser = argparse.ArgumentParser(prog="humanize", description="Print byte sizes in human-readable units.")
    parser.add_argument("sizes", nargs="+", metavar="SIZE", help="a byte count or a size such as '2 GiB'")
    parser.add_argument("--si", action="store_true", help="use SI units (kB = 1000 bytes) instead of KiB")
    parser.add_argument("--precision", type=int, default=1, help="decimals to show (default: 1)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status (2 for a size that cannot be read)."""
    args = build_parser().parse_args(argv)
    try:
        lines = [format_bytes(parse_bytes(text), binary=not args.si, precision=args.precision) for text in args.sizes]
    except HumanizeError as error:
        print(f"humanize: {error}", file=sys.stderr)
        return 2
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
