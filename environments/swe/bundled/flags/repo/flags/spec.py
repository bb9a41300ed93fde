"""Declared options: types, defaults, repeated flags and help text."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from .convert import convert, converter_for
from .errors import UnknownFlagError
from .parser import parse_flags


@dataclass(frozen=True)
class Option:
    """One ``--name`` a program accepts.

    ``kind`` is ``str``, ``int``, ``float`` or ``bool``; a ``bool`` option is a switch
    (``--name`` / ``--no-name``) and defaults to ``False``. A ``multiple`` option
    collects every occurrence into a list, in command-line order.
    """

    name: str
    kind: type = str
    default: Any = None
    help: str = ""
    multiple: bool = False

    def __post_init__(self) -> None:
        converter_for(self.kind)  # fail at declaration, not at the first parse
        if self.kind is bool and self.default is None:
            object.__setattr__(self, "default", False)


@dataclass
class ParsedArgs:
    """What :meth:`FlagSet.parse` read: typed option values and the positionals."""

    options: dict[str, Any] = field(default_factory=dict)
    positionals: list[str] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        # Only called for names that are not attributes; "options" itself may be
        # missing while copy/pickle rebuild the object, and must not recurse.
        if name.startswith("_") or name in ("options", "positionals"):
            raise AttributeError(name)
        try:
            return self.options[name.replace("_", "-")]
        except KeyError:
            raise AttributeError(name) from None


class FlagSet:
    """The options of one program, parsed and checked together."""

    def __init__(self, prog: str, options: Iterable[Option] = ()) -> None:
        self.prog = prog
        self.options: dict[str, Option] = {}
        for option in options:
            self.add(option)

    def add(self, option: Option) -> None:
        """Declare ``option``; a name may be declared once."""
        if option.name in self.options:
            raise ValueError(f"--{option.name} is declared twice in {self.prog}")
        self.options[option.name] = option

    def parse(self, argv: Sequence[str]) -> ParsedArgs:
        """Read ``argv``: unknown flags and badly typed values raise :class:`FlagError`."""
        valued = {name for name, option in self.options.items() if option.kind is not bool}
        # parse_flags keeps only the last of repeated flags, so collect the repeats of
        # `multiple` options one token at a time.
        repeats: dict[str, list[Any]] = {}
        raw: dict[str, Any] = {}
        positionals: list[str] = []
        for token in _split_repeats(argv, valued):
            found, rest = parse_flags(token, valued)
            positionals.extend(rest)
            for name, value in found.items():
                option = self._lookup(name)
                if option.multiple:
                    repeats.setdefault(name, []).append(convert(name, option.kind, value))
                else:
                    raw[name] = convert(name, option.kind, value)
        result = ParsedArgs(positionals=positionals)
        for name, option in self.options.items():
            if option.multiple:
                result.options[name] = repeats.get(name, list(option.default or []))
            else:
                result.options[name] = raw.get(name, option.default)
        return result

    def format_help(self) -> str:
        """Usage text: one line per option, help aligned in a column."""
        rows = []
        for option in self.options.values():
            flag = f"--{option.name}" if option.kind is bool else f"--{option.name}={option.kind.__name__.upper()}"
            notes = [option.help] if option.help else []
            if option.multiple:
                notes.append("(repeatable)")
            elif option.default not in (None, False):
                notes.append(f"(default: {option.default})")
            rows.append((flag, " ".join(notes)))
        width = max((len(flag) for flag, _ in rows), default=0)
        lines = [f"usage: {self.prog} [options] [args...]", ""]
        lines += [f"  {flag.ljust(width)}  {text}".rstrip() for flag, text in rows]
        return "\n".join(lines)

    def _lookup(self, name: str) -> Option:
        if name in self.options:
            return self.options[name]
        close = difflib.get_close_matches(name, list(self.options), n=1)
        raise UnknownFlagError(name, close[0] if close else None)


def _split_repeats(argv: Sequence[str], valued: set[str]) -> list[list[str]]:
    """``argv`` cut into the groups of tokens that belong together (a flag and its value)."""
    groups: list[list[str]] = []
    tokens = list(argv)
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token == "--":
            groups.append(tokens[index:])
            break
        takes_next = token.startswith("--") and token[2:] in valued and index + 1 < len(tokens)
        groups.append(tokens[index:index + 2] if takes_next else [token])
        index += 2 if takes_next else 1
    return groups
