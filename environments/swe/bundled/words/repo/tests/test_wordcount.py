import pytest

from wordcount import ENGLISH_STOPWORDS, WordcountError, top_words, word_frequencies


def test_simple_counts():
    assert word_frequencies("a b a") == {"a": 2, "b": 1}


def test_words_keep_first_seen_order():
    assert list(word_frequencies("the cat and the hat")) == ["the", "cat", "and", "hat"]
    assert word_frequencies("") == {} and word_frequencies(" \n\t ") == {}


def test_stopwords_are_left_out():
    assert word_frequencies("the cat and the hat", stopwords={"The", "AND"}) == {"cat": 1, "hat": 1}


def test_top_words_rank_by_count_then_alphabetically():
    text = "pear apple pear fig apple pear kiwi"
    assert top_words(text, n=3, stopwords=()) == [("pear", 3), ("apple", 2), ("fig", 1)]
    assert top_words("the cat and the hat and the bat", n=2) == [("bat", 1), ("cat", 1)]
    assert "the" in ENGLISH_STOPWORDS
    with pytest.raises(WordcountError, match="n >= 1"):
        top_words(text, n=0)
