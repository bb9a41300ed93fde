"""Exceptions raised by batching."""


class BatchingError(ValueError):
    """A batch size, part count or window size that cannot work.

    A subclass of :class:`ValueError`, so ``except ValueError`` still catches it.
    """


def check_positive(value: int, what: str) -> int:
    """Return ``value`` if it is a whole number of at least 1, else raise :class:`BatchingError`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise BatchingError(f"{what} must be a whole number, got {value!r}")
    if value < 1:
        raise BatchingError(f"{what} must be at least 1, got {value}")
    return value
