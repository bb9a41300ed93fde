"""Splitting an argument list into options and positionals."""

from __future__ import annotations

from typing import Collection, Sequence, Union

from .errors import FlagError

Value = Union[str, bool]


def parse_flags(argv: Sequence[str], takes_value: Collection[str] = ()) -> tuple[dict[str, Value], list[str]]:
    """Split ``argv`` into ``(options, positionals)``.

    * ``--name=value`` sets ``options["name"] = "value"``;
    * ``--name value`` does the same for names listed in ``takes_value``;
    * ``--switch`` alone sets ``True`` and ``--no-switch`` sets ``False``;
    * ``-abc`` sets the short switches ``a``, ``b`` and ``c`` to ``True``;
    * a lone ``-`` (standard input, by convention) is positional, and everything
      after ``--`` is positional even if it starts with a dash.

    A flag given twice keeps its last value, as most command-line tools do.

        >>> parse_flags(["--verbose", "--name=demo", "input.txt"])
        ({'verbose': True, 'name': 'demo'}, ['input.txt'])
        >>> parse_flags(["--limit", "5"], takes_value={"limit"})
        ({'limit': '5'}, [])
    """
    options: dict[str, Value] = {}
    positionals: list[str] = []
    tokens = iter(argv)
    for token in tokens:
        if token == "--":
            positionals.extend(tokens)
            break
        if token.startswith("--"):
            body = token[2:]
            if "=" in body:
                name, value = body.split("=")[:2]
                options[_check_name(name, token)] = value
            elif body in takes_value:
                try:
                    options[body] = next(tokens)
                except StopIteration:
                    raise FlagError(f"--{body} needs a value: write --{body}=VALUE or --{body} VALUE") from None
            elif body.startswith("no-") and body[3:] not in takes_value:
                options[_check_name(body[3:], token)] = False
            else:
                options[_check_name(body, token)] = True
        elif token.startswith("-") and token != "-":
            for letter in token[1:]:
                if not letter.isalnum():
                    raise FlagError(f"bad short flag {token!r}: short flags are single letters or digits, like -v")
                options[letter] = True
        else:
            positionals.append(token)
    return options, positionals


def _check_name(name: str, token: str) -> str:
    """``name`` if it is a usable flag name, else a :class:`FlagError` quoting ``token``."""
    if not name or name.startswith("-") or any(char.isspace() for char in name):
        raise FlagError(f"bad flag {token!r}: flag names are words like --name or --dry-run")
    return name
