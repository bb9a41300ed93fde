"""Human-readable numbers: byte sizes, durations and large counts.

    >>> from humanize import format_bytes, parse_bytes
    >>> format_bytes(1536)
    '1.5 KiB'
    >>> parse_bytes("1.5 KiB")
    1536
"""

from .durations import format_duration
from .errors import HumanizeError
from .numbers import intcomma, ordinal
from .sizes import format_bytes, parse_bytes

__all__ = [
    "HumanizeError",
    "format_bytes",
    "format_duration",
    "intcomma",
    "ordinal",
    "parse_bytes",
]
__version__ = "0.4.1"
