"""Conversions between integers and Roman numerals.

Only the standard (subtractive) notation is produced and accepted: 4 is ``IV``, 9 is ``IX``,
40 is ``XL``, 90 is ``XC``, 400 is ``CD`` and 900 is ``CM``. Without a bar for thousands, the
largest number that can be written is 3999 (``MMMCMXCIX``).
"""

from __future__ import annotations

from roman.errors import InvalidNumeralError, OutOfRangeError

MIN_VALUE = 1
MAX_VALUE = 3999

# Greedy conversion table, largest value first. Each subtractive pair sits just above the
# letter it is built from, so the greedy loop picks ``CM`` before ``D`` and so on.
_SYMBOLS: tuple[tuple[int, str], ...] = (
    (1000, "M"),
    (900, "CM"),
    (500, "D"),
    (400, "CD"),
    (100, "C"),
    (90, "XC"),
    (50, "L"),
    (40, "XL"),
    (10, "X"),
    (5, "V"),
    (1, "I"),
)

_LETTERS = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def _check_number(number: object) -> int:
    """``number`` as an int, or :class:`OutOfRangeError` if it has no numeral."""
    # bool is an int subclass, but to_roman(True) is always a mistake.
    if isinstance(number, bool) or not isinstance(number, int):
        raise TypeError(f"to_roman() needs an int, got {type(number).__name__}")
    if not MIN_VALUE <= number <= MAX_VALUE:
        raise OutOfRangeError(number, MIN_VALUE, MAX_VALUE)
    return number


def to_roman(number: int, *, lowercase: bool = False) -> str:
    """The standard Roman numeral of ``number`` (1 to 3999).

    >>> to_roman(1666)
    'MDCLXVI'
    >>> to_roman(4), to_roman(1994)
    ('IV', 'MCMXCIV')
    >>> to_roman(12, lowercase=True)
    'xii'

    Raises:
        TypeError: ``number`` is not an int.
        OutOfRangeError: ``number`` is below 1 or above 3999.
    """
    remaining = _check_number(number)
    out = []
    for value, letters in _SYMBOLS:
        count, remaining = divmod(remaining, value)
        out.append(letters * count)
    numeral = "".join(out)
    return numeral.lower() if lowercase else numeral


def _letter_values(text: str) -> list[int]:
    """The value of each letter of ``text`` (any case), or InvalidNumeralError."""
    values = []
    for position, char in enumerate(text.upper()):
        if char not in _LETTERS:
            raise InvalidNumeralError(text, f"unexpected character {char!r} at position {position}")
        values.append(_LETTERS[char])
    return values


def from_roman(text: str) -> int:
    """The number written by the Roman numeral ``text`` (upper or lower case).

    Surrounding whitespace is ignored. The numeral must be the canonical one for its value, as
    :func:`to_roman` writes it: ``XIV`` is 14, but ``XIIII``, ``IIV`` and ``VX`` are rejected.

    >>> from_roman("MCMXCIV")
    1994

    Raises:
        InvalidNumeralError: ``text`` is empty, has other characters, or is not canonical.
    """
    if not isinstance(text, str):
        raise TypeError(f"from_roman() needs a str, got {type(text).__name__}")
    stripped = text.strip()
    if not stripped:
        raise InvalidNumeralError(text, "it is empty")
    values = _letter_values(stripped)
    total = 0
    for current, following in zip(values, values[1:] + [0]):
        # A letter smaller than the one after it is subtracted (the I of IV).
        total += -current if current < following else current
    # Summing alone accepts spellings such as "IIV" or "MIM"; the canonical numeral of the
    # total is the only spelling we accept, which rules all of them out at once.
    if not MIN_VALUE <= total <= MAX_VALUE or to_roman(total) != stripped.upper():
        raise InvalidNumeralError(text, "letters are not in the standard order")
    return total


def is_roman(text: str) -> bool:
    """Whether ``text`` is a canonical Roman numeral (see :func:`from_roman`)."""
    try:
        from_roman(text)
    except (InvalidNumeralError, TypeError):
        return False
    return True
