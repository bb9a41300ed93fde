"""Counting words: frequencies, the most common words, and a summary of a text."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Collection, Dict, List, Tuple

from wordcount.errors import WordcountError
from wordcount.stopwords import ENGLISH_STOPWORDS
from wordcount.tokenize import normalize_word, sentences, tokenize


@dataclass(frozen=True)
class TextStats:
    """Counts describing a text.

    Attributes:
        words: how many words it has.
        unique_words: how many different words (after normalisation).
        sentences: how many sentences.
        average_word_length: mean characters per word, rounded to 2 decimals (0.0 if no words).
    """

    words: int
    unique_words: int
    sentences: int
    average_word_length: float


def word_frequencies(text: str, stopwords: Collection[str] = ()) -> Dict[str, int]:
    """How often each word occurs, ignoring case and the punctuation around words.

    Words are listed in the order they first appear. ``stopwords`` are left out; they are
    normalised the same way as the text, so ``{"The"}`` leaves out ``the``.

    >>> word_frequencies("the cat and the hat")
    {'the': 2, 'cat': 1, 'and': 1, 'hat': 1}
    """
    stop = {normalize_word(word) for word in stopwords}
    counts: Counter = Counter(word for word in text.split() if word not in stop)
    return dict(counts)


def top_words(text: str, n: int = 10, stopwords: Collection[str] = ENGLISH_STOPWORDS) -> List[Tuple[str, int]]:
    """The ``n`` most frequent words with their counts, most frequent first.

    Ties are broken alphabetically so the result does not depend on word order. Common
    English words are left out unless other ``stopwords`` are given (pass ``()`` to keep all).

    Raises:
        WordcountError: ``n`` is less than 1.
    """
    if n < 1:
        raise WordcountError(f"top_words needs n >= 1; got {n}")
    ranked = sorted(word_frequencies(text, stopwords).items(), key=lambda item: (-item[1], item[0]))
    return ranked[:n]


def summary(text: str) -> TextStats:
    """Word, unique-word and sentence counts and the average word length of ``text``."""
    words = tokenize(text)
    average = round(sum(map(len, words)) / len(words), 2) if words else 0.0
    return TextStats(
        words=len(words),
        unique_words=len(set(words)),
        sentences=len(sentences(text)),
        average_word_length=average,
    )


def reading_time(text: str, words_per_minute: int = 200) -> int:
    """Whole minutes needed to read ``text``, rounded up; 0 for a text without words.

    Raises:
        WordcountError: ``words_per_minute`` is not positive.
    """
    if words_per_minute <= 0:
        raise WordcountError(f"words_per_minute must be positive; got {words_per_minute}")
    return math.ceil(len(tokenize(text)) / words_per_minute)
