"""A small command-line flag parser.

    >>> from flags import parse_flags
    >>> parse_flags(["--verbose", "--name=demo", "input.txt"])
    ({'verbose': True, 'name': 'demo'}, ['input.txt'])
"""

from .errors import FlagError, UnknownFlagError
from .parser import parse_flags
from .spec import FlagSet, Option, ParsedArgs

__all__ = ["FlagError", "FlagSet", "Option", "ParsedArgs", "UnknownFlagError", "parse_flags"]
__version__ = "0.9.2"
