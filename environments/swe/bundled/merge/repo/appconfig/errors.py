"""The exceptions this package raises; all of them are ``ValueError`` subclasses."""


class ConfigError(ValueError):
    """Base class of every error raised by :mod:`appconfig`."""


class ConfigFileError(ConfigError):
    """A settings file could not be read or parsed, or has a format this package does not know."""


class ConfigKeyError(ConfigError, KeyError):
    """A dotted key path names no setting, or runs through a value that is not a section."""

    def __str__(self) -> str:  # KeyError would print the message quoted
        return str(self.args[0]) if self.args else ""
