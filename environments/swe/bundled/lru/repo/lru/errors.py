"""The exceptions this package raises."""


class CacheError(Exception):
    """Base class of every error raised by :mod:`lru`."""


class InvalidCapacityError(CacheError, ValueError):
    """A cache was asked to hold fewer than one entry."""
