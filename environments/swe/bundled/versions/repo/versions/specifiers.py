"""Version specifiers: comma-separated conditions such as ``>=1.2,<2.0,!=1.3``."""

from __future__ import annotations

import re
from typing import Callable, Dict, List, Tuple

from versions.compare import VersionLike, compare_versions
from versions.errors import InvalidSpecifierError, InvalidVersionError
from versions.parse import parse_version

_OPERATORS: Dict[str, Callable[[int], bool]] = {
    "==": lambda order: order == 0,
    "!=": lambda order: order != 0,
    ">=": lambda order: order >= 0,
    "<=": lambda order: order <= 0,
    ">": lambda order: order > 0,
    "<": lambda order: order < 0,
}

# Two-character operators first, so ">=" is not read as ">" followed by "=1.2".
_CONDITION = re.compile(r"^\s*(==|!=|>=|<=|>|<)\s*(\S+)\s*$")


def parse_specifier(specifier: str) -> List[Tuple[str, str]]:
    """``">=1.2, <2"`` -> ``[(">=", "1.2"), ("<", "2")]``.

    Raises:
        InvalidSpecifierError: a condition has no known operator or its version is invalid.
    """
    conditions = []
    for part in specifier.split(","):
        match = _CONDITION.match(part)
        if match is None:
            raise InvalidSpecifierError(
                f"cannot read condition {part.strip()!r} in {specifier!r}: "
                f"use an operator ({', '.join(_OPERATORS)}) followed by a version"
            )
        operator, version = match.groups()
        try:
            parse_version(version)
        except InvalidVersionError as error:
            raise InvalidSpecifierError(f"in {specifier!r}: {error}") from None
        conditions.append((operator, version))
    return conditions


def satisfies(version: VersionLike, specifier: str) -> bool:
    """Whether ``version`` meets every condition of ``specifier``.

    >>> satisfies("1.4", ">=1.2,<2.0")
    True
    """
    return all(_OPERATORS[op](compare_versions(version, bound)) for op, bound in parse_specifier(specifier))
