"""Byte sizes: ``1536`` <-> ``"1.5 KiB"``."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from .errors import HumanizeError
from .units import BINARY, DECIMAL, unit_factor

_SIZE = re.compile(r"^\s*(?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(?P<unit>[A-Za-z]*)\s*$")


def format_bytes(size: int, *, binary: bool = True, precision: int = 1) -> str:
    """``size`` bytes in the largest unit that keeps the number at least 1.

    Binary units (1 KiB = 1024 bytes) by default, SI units (1 kB = 1000 bytes) with
    ``binary=False``. The number is shown with ``precision`` decimals; a negative
    size keeps its sign, and sizes beyond the largest unit stay in it.

        >>> format_bytes(1536)
        '1.5 KiB'
        >>> format_bytes(1500, binary=False)
        '1.5 kB'
        >>> format_bytes(-2048, precision=0)
        '-2 KiB'
    """
    if isinstance(size, bool) or not isinstance(size, int):
        raise HumanizeError(f"size must be a whole number of bytes, got {size!r}")
    if precision < 0:
        raise HumanizeError(f"precision must be 0 or more, got {precision}")
    system = BINARY if binary else DECIMAL
    sign = "-" if size < 0 else ""
    value = float(abs(size))
    for symbol in system.symbols[:-1]:
        if value <= system.base:
            return f"{sign}{value:.{precision}f} {symbol}"
        value /= system.base
    return f"{sign}{value:.{precision}f} {system.symbols[-1]}"


def parse_bytes(text: str) -> int:
    """Read a size such as ``"1.5 KiB"``, ``"20MB"`` or ``"512"`` back into bytes.

    Units are matched without regard to case (``"kib"`` is ``"KiB"``); a bare number
    is a count of bytes. The result is rounded to the nearest whole byte, halves up.

        >>> parse_bytes("1.5 KiB")
        1536
        >>> parse_bytes("20MB")
        20000000
    """
    match = _SIZE.match(text)
    if match is None:
        raise HumanizeError(f"cannot read {text!r} as a size; write it like '1.5 KiB', '20MB' or '512'")
    factor = unit_factor(match["unit"])
    # Decimal keeps "0.1 MB" exact; a float would give 99999.99999999999 bytes.
    exact = Decimal(match["number"]) * factor
    return int(exact.to_integral_value(rounding=ROUND_HALF_UP))
