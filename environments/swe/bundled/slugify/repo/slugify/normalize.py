"""Text normalisation: from any Unicode title to plain lower-case ASCII.

Accented letters lose their accents through Unicode decomposition (NFKD splits ``é`` into
``e`` and a combining accent, which is then dropped). A few letters do not decompose at all
(``ß``, ``æ``, ``ø``, ``ł``...); :data:`SPECIAL_CASES` spells those out.
"""

from __future__ import annotations

import unicodedata

# Letters NFKD leaves alone, with their usual ASCII spelling.
SPECIAL_CASES = {
    "ß": "ss",
    "æ": "ae",
    "Æ": "AE",
    "œ": "oe",
    "Œ": "OE",
    "ø": "o",
    "Ø": "O",
    "ł": "l",
    "Ł": "L",
    "đ": "d",
    "Đ": "D",
    "þ": "th",
    "Þ": "Th",
}

_TABLE = str.maketrans(SPECIAL_CASES)


def transliterate(text: str) -> str:
    """``text`` with every character that has an ASCII spelling replaced by it.

    Characters without one (CJK, emoji, most symbols) are dropped; ASCII punctuation is kept,
    so the caller decides what separates words.

    >>> transliterate("Crème Brûlée à la Straße")
    'Creme Brulee a la Strasse'
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(_TABLE))
    return "".join(char for char in decomposed if char.isascii() and not unicodedata.combining(char))


def fold(text: str) -> str:
    """Lower-case ASCII form of ``text``: :func:`transliterate`, then :meth:`str.lower`."""
    return transliterate(text).lower()
