"""Command line: ``python -m lru --capacity 100 --file trace.txt`` (or the keys as arguments).

Replays the trace through an LRU cache of that capacity and prints the hits, misses,
evictions and hit rate; ``--capacity`` may be repeated to compare sizes.
"""

from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

from lru.errors import CacheError
from lru.trace import parse_trace, replay, summary


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; the exit status is 2 for a bad capacity or an unreadable file."""
    parser = argparse.ArgumentParser(prog="lru", description="Replay an access trace through an LRU cache.")
    parser.add_argument("keys", nargs="*", help="the keys looked up, in order")
    parser.add_argument("--capacity", type=int, action="append", required=True, help="cache size (repeatable)")
    parser.add_argument("--file", help="read the trace from this file instead")
    args = parser.parse_args(argv)
    try:
        if args.file:
            with open(args.file, encoding="utf-8") as handle:
                keys = parse_trace(handle.read())
        else:
            keys = parse_trace(" ".join(args.keys))
        results = [(capacity, replay(keys, capacity)) for capacity in args.capacity]
    except (OSError, CacheError) as error:
        print(f"lru: {error}", file=sys.stderr)
        return 2
    for capacity, stats in results:
        prefix = f"capacity {capacity}: " if len(results) > 1 else ""
        print(prefix + summary(stats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
