"""The slug itself: normalise, replace everything but letters and digits, trim to length."""

from __future__ import annotations

import re
from typing import Collection

from slugify.errors import SlugError
from slugify.normalize import fold

DEFAULT_SEPARATOR = "-"

# What may appear in a slug; everything else separates words.
_UNSAFE = re.compile(r"[^a-z0-9]")
_VALID_SEPARATOR = re.compile(r"[A-Za-z0-9._-]+")


def _check_separator(separator: str) -> None:
    if not isinstance(separator, str) or not _VALID_SEPARATOR.fullmatch(separator):
        raise SlugError(f"separator must be made of ASCII letters, digits, '.', '_' or '-'; got {separator!r}")


def truncate(slug: str, max_length: int, separator: str = DEFAULT_SEPARATOR) -> str:
    """``slug`` cut to at most ``max_length`` characters at a word boundary.

    Whole words are kept; a first word longer than ``max_length`` is cut mid-word, since an
    empty slug would be worse.

    >>> truncate("the-quick-brown-fox", 12)
    'the-quick'
    """
    if max_length < 1:
        raise SlugError(f"max_length must be at least 1; got {max_length}")
    if len(slug) <= max_length:
        return slug
    cut = slug[: max_length + len(separator)]
    boundary = cut.rfind(separator)
    if boundary <= 0:
        return slug[:max_length]
    return slug[:boundary]


def slugify(
    title: str,
    separator: str = DEFAULT_SEPARATOR,
    max_length: int | None = None,
    stopwords: Collection[str] = (),
) -> str:
    """A URL slug for ``title``: lower-case ASCII words joined by single separators.

    >>> slugify("Hello, World!")
    'hello-world'

    Args:
        title: any text; accents are transliterated, other non-ASCII characters dropped.
        separator: joins the words (see the README for what it may contain).
        max_length: cut the slug at a word boundary to at most this many characters.
        stopwords: words to leave out, unless that would leave nothing.

    Returns:
        The slug; empty if ``title`` has no letters or digits at all.
    """
    if not isinstance(title, str):
        raise TypeError(f"slugify() needs a str, got {type(title).__name__}")
    _check_separator(separator)
    slug = _UNSAFE.sub(separator, fold(title)).strip(separator)
    if stopwords:
        words = slug.split(separator)
        stop = {fold(word) for word in stopwords}
        kept = [word for word in words if word not in stop]
        slug = separator.join(kept or words)
    if max_length is not None:
        slug = truncate(slug, max_length, separator)
    return slug
