"""Exceptions raised by calendar_utils."""


class CalendarError(ValueError):
    """A date or date text that cannot be used.

    A subclass of :class:`ValueError`, so ``except ValueError`` still catches it.
    """
