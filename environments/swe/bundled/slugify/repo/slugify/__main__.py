"""Command line: ``python -m slugify TITLE...`` prints one slug per title."""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from slugify.core import DEFAULT_SEPARATOR, slugify
from slugify.errors import SlugError
from slugify.unique import UniqueSlugger


def main(argv: Sequence[str] | None = None) -> int:
    """Slug each title given as an argument, or each line of standard input if there are none."""
    parser = argparse.ArgumentParser(prog="slugify", description="Print a URL slug for each title.")
    parser.add_argument("titles", nargs="*", help="titles (default: one per line on standard input)")
    parser.add_argument("--separator", default=DEFAULT_SEPARATOR, help="joins the words (default: %(default)s)")
    parser.add_argument("--max-length", type=int, default=None, help="cut slugs at a word boundary")
    parser.add_argument("--unique", action="store_true", help="number repeated slugs: post, post-2...")
    args = parser.parse_args(argv)
    titles = args.titles or [line.rstrip("\n") for line in sys.stdin]
    try:
        slugger = UniqueSlugger(separator=args.separator)
        for title in titles:
            if args.unique:
                print(slugger.slug(title, args.max_length))
            else:
                print(slugify(title, separator=args.separator, max_length=args.max_length))
    except SlugError as error:
        print(f"slugify: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
