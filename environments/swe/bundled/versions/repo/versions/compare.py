"""Ordering versions: ``1.2 < 1.10``, ``2.0rc1 < 2.0``, ``1.0 == 1.0.0``."""

from __future__ import annotations

from typing import Iterable, List, Tuple, Union

from versions.errors import VersionError
from versions.parse import PRE_RELEASE_TAGS, Version, parse_version

VersionLike = Union[str, Version]


def sort_key(version: VersionLike) -> Tuple:
    """A key that orders versions from oldest to newest.

    A final release sorts after its own pre-releases (``2.0a1 < 2.0b1 < 2.0rc1 < 2.0``), which
    is why final releases get a pre-release rank above every tag.
    """
    parsed = parse_version(version)
    release = parsed.release
    if parsed.pre is None:
        pre = (len(PRE_RELEASE_TAGS), 0)
    else:
        tag, number = parsed.pre
        pre = (PRE_RELEASE_TAGS.index(tag), number)
    return (release, pre)


def compare_versions(a: VersionLike, b: VersionLike) -> int:
    """-1, 0 or 1 as version ``a`` is older than, equal to or newer than ``b``.

    >>> compare_versions("1.2", "1.3"), compare_versions("2.0", "2.0rc1")
    (-1, 1)
    """
    left, right = sort_key(a), sort_key(b)
    return (left > right) - (left < right)


def sort_versions(versions: Iterable[VersionLike], reverse: bool = False) -> List[VersionLike]:
    """The versions from oldest to newest (newest first with ``reverse``), as given."""
    return sorted(versions, key=sort_key, reverse=reverse)


def latest(versions: Iterable[VersionLike], include_prereleases: bool = False) -> VersionLike:
    """The newest of ``versions``, skipping pre-releases unless asked for or there is nothing else.

    Raises:
        VersionError: ``versions`` is empty.
    """
    candidates = list(versions)
    if not candidates:
        raise VersionError("latest() needs at least one version")
    if not include_prereleases:
        finals = [v for v in candidates if not parse_version(v).is_prerelease]
        candidates = finals or candidates
    return max(candidates, key=sort_key)
