"""Exceptions raised by flags."""

from __future__ import annotations


class FlagError(ValueError):
    """A command line that cannot be read: a bad value, a missing value, a bad flag."""


class UnknownFlagError(FlagError):
    """A flag the :class:`~flags.FlagSet` does not declare."""

    def __init__(self, name: str, suggestion: str | None = None) -> None:
        self.name = name
        self.suggestion = suggestion
        hint = f"; did you mean --{suggestion}?" if suggestion else "; see --help for the flags there are"
        super().__init__(f"unknown flag --{name}{hint}")
