"""Errors of the slugify package."""

from __future__ import annotations


class SlugError(ValueError):
    """Arguments that cannot produce a slug: a bad separator, a non-positive length..."""
