"""Word frequencies and simple statistics for plain text.

:mod:`wordcount.tokenize` splits text into normalised words and sentences;
:mod:`wordcount.stats` counts them.
"""

from wordcount.errors import WordcountError
from wordcount.stats import TextStats, reading_time, summary, top_words, word_frequencies
from wordcount.stopwords import ENGLISH_STOPWORDS
from wordcount.tokenize import normalize_word, sentences, tokenize

__all__ = [
    "ENGLISH_STOPWORDS",
    "TextStats",
    "WordcountError",
    "normalize_word",
    "reading_time",
    "sentences",
    "summary",
    "tokenize",
    "top_words",
    "word_frequencies",
]

__version__ = "1.1.0"
