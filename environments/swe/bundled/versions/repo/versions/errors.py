"""Errors of the versions package; all are ValueErrors."""

from __future__ import annotations


class VersionError(ValueError):
    """Base class for the errors of this package."""


class InvalidVersionError(VersionError):
    """Text that is not a version number."""

    def __init__(self, text: object) -> None:
        super().__init__(
            f"{text!r} is not a version: expected numbers separated by dots, such as 1.4.2, "
            "optionally followed by a pre-release tag (a1, b2, rc1)"
        )
        self.text = text


class InvalidSpecifierError(VersionError):
    """A version specifier that cannot be read, such as ``=>1.2``."""
