"""Command line: ``python -m appconfig defaults.json site.ini [--env-prefix APP_] [--get db.port]``.

Prints the merged settings as JSON, or the one value ``--get`` names (JSON for a section).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Optional, Sequence

from appconfig.errors import ConfigError
from appconfig.paths import get_path
from appconfig.sources import load_layers


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; the exit status is 2 for a bad file or an unknown key."""
    parser = argparse.ArgumentParser(prog="appconfig", description="Merge layers of settings and print them.")
    parser.add_argument("files", nargs="+", help="JSON or INI files, lowest priority first")
    parser.add_argument("--env-prefix", help="also apply environment variables with this prefix, e.g. APP_")
    parser.add_argument("--get", metavar="KEY", help="print only this dotted key, e.g. db.port")
    args = parser.parse_args(argv)
    environ = os.environ if args.env_prefix else {}
    try:
        settings = load_layers(args.files, environ=environ, prefix=args.env_prefix or "")
        value = get_path(settings, args.get) if args.get else settings
    except ConfigError as error:
        print(f"appconfig: {error}", file=sys.stderr)
        return 2
    print(value if isinstance(value, str) else json.dumps(value, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
