"""Errors of the wordcount package."""

from __future__ import annotations


class WordcountError(ValueError):
    """An argument out of range, such as asking for the top 0 words."""
