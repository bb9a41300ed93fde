"""The exceptions this package raises; all of them are ``ValueError`` subclasses."""


class RollingError(ValueError):
    """Base class of every error raised by :mod:`rolling`."""


class WindowError(RollingError):
    """A window size (or smoothing factor) is out of range."""


class SeriesError(RollingError):
    """Input that should be a series of numbers is not."""
