"""Unit tables shared by size formatting and parsing."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import HumanizeError


@dataclass(frozen=True)
class UnitSystem:
    """A family of size units, each ``base`` times the previous one.

    ``symbols[i]`` stands for ``base ** i`` bytes, so ``symbols[0]`` is always bytes.
    """

    name: str
    base: int
    symbols: tuple[str, ...]

    def factor(self, symbol: str) -> int:
        """Bytes in one ``symbol`` of this system (exact spelling)."""
        return self.base ** self.symbols.index(symbol)


BINARY = UnitSystem("binary", 1024, ("B", "KiB", "MiB", "GiB", "TiB", "PiB"))
DECIMAL = UnitSystem("decimal", 1000, ("B", "kB", "MB", "GB", "TB", "PB"))

# Lower-cased spellings -> bytes. The binary and decimal symbols stay distinct once
# lower-cased ("kib" vs "kb"), so reading sizes can ignore case.
_FACTORS: dict[str, int] = {}
for _system in (DECIMAL, BINARY):
    for _symbol in _system.symbols:
        _FACTORS[_symbol.lower()] = _system.factor(_symbol)
_FACTORS.update({"": 1, "byte": 1, "bytes": 1})


def unit_factor(symbol: str) -> int:
    """Bytes in one unit called ``symbol`` (``"KiB"``, ``"mb"``, ``"bytes"`` ...).

    Raises :class:`HumanizeError` for a symbol neither system knows.
    """
    try:
        return _FACTORS[symbol.strip().lower()]
    except KeyError:
        known = ", ".join(BINARY.symbols + DECIMAL.symbols[1:])
        raise HumanizeError(f"unknown size unit {symbol!r}; use one of {known}") from None
