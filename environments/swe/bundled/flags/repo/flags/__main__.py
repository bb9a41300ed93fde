"""``python -m flags ARG...``: print how :func:`flags.parse_flags` reads a command line, as JSON.

Handy when a script does something unexpected with its arguments.
"""

from __future__ import annotations

import json
import sys
from typing import Sequence

from .errors import FlagError
from .parser import parse_flags


def main(argv: Sequence[str] | None = None) -> int:
    """Print ``{"options": ..., "positionals": ...}``; exit status 2 for a bad flag."""
    try:
        options, positionals = parse_flags(sys.argv[1:] if argv is None else argv)
    except FlagError as error:
        print(f"flags: {error}", file=sys.stderr)
        return 2
    print(json.dumps({"options": options, "positionals": positionals}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
