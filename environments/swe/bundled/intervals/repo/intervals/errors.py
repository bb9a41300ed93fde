"""The exceptions this package raises; all of them are ``ValueError`` subclasses."""


class IntervalError(ValueError):
    """Base class of every error raised by :mod:`intervals`."""


class InvalidIntervalError(IntervalError):
    """A pair is not an interval: its end lies before its start, or it is not two numbers."""


class ParseError(IntervalError):
    """Text could not be read as a time of day or an ``HH:MM-HH:MM`` range."""
