"""Exceptions raised by humanize."""


class HumanizeError(ValueError):
    """Input that cannot be turned into, or read back from, a human-readable form.

    A subclass of :class:`ValueError`, so callers that already catch ``ValueError``
    keep working.
    """
