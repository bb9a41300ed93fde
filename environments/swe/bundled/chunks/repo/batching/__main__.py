"""Command line: ``python -m batching -n SIZE [FILE]``.

Prints the lines of FILE (or standard input) in groups of SIZE, one group per line,
joined with ``--join`` (", " by default). Blank lines are skipped.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from .chunks import ichunked
from .errors import BatchingError, check_positive


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status (2 for a bad size)."""
    parser = argparse.ArgumentParser(prog="batching", description="Print lines in groups.")
    parser.add_argument("file", nargs="?", type=argparse.FileType("r"), default=sys.stdin,
                        help="file to read (default: standard input)")
    parser.add_argument("-n", "--size", type=int, required=True, help="lines per group")
    parser.add_argument("--join", default=", ", help="text between the lines of a group")
    args = parser.parse_args(argv)
    try:
        size = check_positive(args.size, "--size")
    except BatchingError as error:
        parser.error(str(error))
    lines = (line.rstrip("\n") for line in args.file if line.strip())
    for group in ichunked(lines, size):
        print(args.join.join(group))
    return 0


if __name__ == "__main__":
    sys.exit(main())
