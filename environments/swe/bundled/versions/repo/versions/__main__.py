"""Command line: ``python -m versions compare|latest|check ...``."""

from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

from versions.compare import compare_versions, latest
from versions.errors import VersionError
from versions.specifiers import satisfies

_SIGNS = {-1: "<", 0: "==", 1: ">"}


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run one sub-command; exit status 2 for invalid input, 1 for a failed ``check``."""
    parser = argparse.ArgumentParser(prog="versions", description="Compare release version numbers.")
    commands = parser.add_subparsers(dest="command", required=True)
    compare = commands.add_parser("compare", help="print how two versions are ordered")
    compare.add_argument("a")
    compare.add_argument("b")
    newest = commands.add_parser("latest", help="print the newest of some versions")
    newest.add_argument("versions", nargs="+")
    newest.add_argument("--pre", action="store_true", help="consider pre-releases too")
    check = commands.add_parser("check", help="exit 0 if a version satisfies a specifier")
    check.add_argument("version")
    check.add_argument("specifier")
    args = parser.parse_args(argv)
    try:
        if args.command == "compare":
            print(f"{args.a} {_SIGNS[compare_versions(args.a, args.b)]} {args.b}")
        elif args.command == "latest":
            print(latest(args.versions, include_prereleases=args.pre))
        else:
            ok = satisfies(args.version, args.specifier)
            print(f"{args.version} {'satisfies' if ok else 'does not satisfy'} {args.specifier}")
            return 0 if ok else 1
    except VersionError as error:
        print(f"versions: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
