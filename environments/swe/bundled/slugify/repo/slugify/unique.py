"""Slugs that do not collide: ``post``, ``post-2``, ``post-3``..."""

from __future__ import annotations

from typing import Iterable

from slugify.core import DEFAULT_SEPARATOR, slugify
from slugify.errors import SlugError


class UniqueSlugger:
    """Hands out slugs, numbering repeats so that no slug is given twice.

    Args:
        taken: slugs already in use (e.g. loaded from the database); they are never handed out.
        separator: passed to :func:`slugify`, and put before the counter.
        fallback: the slug of a title without letters or digits (such as ``"!!!"``).
    """

    def __init__(self, taken: Iterable[str] = (), separator: str = DEFAULT_SEPARATOR, fallback: str = "untitled") -> None:
        if not fallback:
            raise SlugError("fallback must not be empty: titles without letters would get an empty slug")
        self.separator = separator
        self.fallback = fallback
        self._taken: set[str] = set(taken)

    def __contains__(self, slug: object) -> bool:
        return slug in self._taken

    def __len__(self) -> int:
        return len(self._taken)

    def slug(self, title: str, max_length: int | None = None) -> str:
        """A new slug for ``title``, numbered from 2 if the plain one is taken."""
        base = slugify(title, separator=self.separator, max_length=max_length) or self.fallback
        candidate, counter = base, 1
        while candidate in self._taken:
            counter += 1
            candidate = f"{base}{self.separator}{counter}"
        self._taken.add(candidate)
        return candidate

    def release(self, slug: str) -> None:
        """Make ``slug`` available again (its post was deleted)."""
        self._taken.discard(slug)
