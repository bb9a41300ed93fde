"""Command line: ``python -m roman 1666 MMXXIV`` converts each argument the other way."""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from roman.convert import from_roman, to_roman
from roman.errors import RomanError


def convert(argument: str, lowercase: bool = False) -> str:
    """A number becomes a numeral, a numeral becomes a number."""
    text = argument.strip()
    if text.lstrip("+-").isdigit():
        return to_roman(int(text), lowercase=lowercase)
    return str(from_roman(text))


def main(argv: Sequence[str] | None = None) -> int:
    """Print ``ARG -> RESULT`` for each argument; exit status 1 if any could not be converted."""
    parser = argparse.ArgumentParser(prog="roman", description="Convert numbers to Roman numerals and back.")
    parser.add_argument("values", nargs="+", help="integers (1 to 3999) or Roman numerals")
    parser.add_argument("--lower", action="store_true", help="write numerals in lower case")
    args = parser.parse_args(argv)
    status = 0
    for value in args.values:
        try:
            print(f"{value} -> {convert(value, args.lower)}")
        except RomanError as error:
            print(f"roman: {error}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
