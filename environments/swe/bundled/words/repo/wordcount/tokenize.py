"""Splitting text into words and sentences.

A word is a run of non-space characters with the punctuation around it removed and its case
folded, so ``"Hello,"``, ``hello`` and ``HELLO!`` are one word. Punctuation inside a word stays:
``don't``, ``well-known``, ``3.14``.
"""

from __future__ import annotations

import re
import string
from typing import List

# ASCII punctuation plus the typographic quotes and dashes that word processors put in.
EDGE_PUNCTUATION = string.punctuation + "\u2018\u2019\u201c\u201d\u00ab\u00bb\u2013\u2014\u2026"

# A sentence ends at ., ! or ? (possibly repeated, possibly followed by a closing quote or
# bracket) followed by white space or the end of the text.
_SENTENCE_END = re.compile(r"[.!?]+[\"'\u2019\u201d)\]]*(?=\s|$)")


def normalize_word(raw: str) -> str:
    """``raw`` without the punctuation around it, case-folded; empty if nothing is left.

    >>> normalize_word('"Hello,"'), normalize_word("don't"), normalize_word("--")
    ('hello', "don't", '')
    """
    return raw.strip(EDGE_PUNCTUATION).casefold()


def tokenize(text: str) -> List[str]:
    """The normalised words of ``text`` in order (see :func:`normalize_word`).

    >>> tokenize("Hello, hello! Don't panic.")
    ['hello', 'hello', "don't", 'panic']
    """
    words = (normalize_word(raw) for raw in text.split())
    return [word for word in words if word]


def sentences(text: str) -> List[str]:
    """The sentences of ``text``, stripped; a trailing fragment without a full stop counts too.

    >>> sentences("It rained. We stayed in! Why")
    ['It rained.', 'We stayed in!', 'Why']
    """
    found, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        found.append(text[start : match.end()].strip())
        start = match.end()
    found.append(text[start:].strip())
    # Only sentences with at least one word count: "..." on its own is not a sentence.
    return [sentence for sentence in found if tokenize(sentence)]
