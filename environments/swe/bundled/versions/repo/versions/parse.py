"""Reading version numbers.

A :class:`Version` keeps its parts as they were written, so that ``2024.01.15`` prints back
unchanged; ordering is the business of :mod:`versions.compare`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Tuple

from versions.errors import InvalidVersionError

_VERSION = re.compile(
    r"""
    ^\s*v?
    (?P<release>\d+(?:\.\d+)*)          # 1, 1.4, 2.0.10
    (?:(?P<tag>a|b|rc)(?P<number>\d+))? # optional pre-release: a1, b2, rc1
    \s*$
    """,
    re.VERBOSE | re.IGNORECASE,
)

PRE_RELEASE_TAGS = ("a", "b", "rc")


@dataclass(frozen=True)
class Version:
    """A parsed version number.

    Attributes:
        release: the dot-separated components, as written (``("2024", "01", "15")``).
        pre: the pre-release tag and its number (``("rc", 1)``), or None for a final release.
    """

    release: Tuple[str, ...]
    pre: Optional[Tuple[str, int]] = None

    def __str__(self) -> str:
        text = ".".join(self.release)
        if self.pre is not None:
            text += f"{self.pre[0]}{self.pre[1]}"
        return text

    @property
    def major(self) -> int:
        """The first component as a number."""
        return int(self.release[0])

    @property
    def is_prerelease(self) -> bool:
        """Whether this is an alpha, beta or release candidate."""
        return self.pre is not None


def parse_version(text: str) -> Version:
    """The :class:`Version` written by ``text``; a leading ``v`` and surrounding spaces are allowed.

    >>> parse_version("v2.0rc1")
    Version(release=('2', '0'), pre=('rc', 1))

    Raises:
        InvalidVersionError: ``text`` is not a version number.
    """
    if isinstance(text, Version):
        return text
    if not isinstance(text, str):
        raise InvalidVersionError(text)
    match = _VERSION.match(text)
    if match is None:
        raise InvalidVersionError(text)
    release = tuple(match.group("release").split("."))
    pre = None
    if match.group("tag"):
        pre = (match.group("tag").lower(), int(match.group("number")))
    return Version(release, pre)
