import pytest

from slugify import SlugError, slugify, transliterate, truncate


def test_single_words_are_lowercased():
    assert slugify("Python") == "python"
    assert slugify("abc123") == "abc123"


def test_words_are_joined_by_the_separator():
    assert slugify("Hello World") == "hello-world"
    assert slugify("Release Notes 2024", separator="_") == "release_notes_2024"
    with pytest.raises(SlugError, match="separator"):
        slugify("Hello World", separator="/")


def test_accents_are_transliterated():
    assert transliterate("Crème Brûlée à la Straße") == "Creme Brulee a la Strasse"
    assert slugify("Ærøskøbing Łódź") == "aeroskobing-lodz"
    assert slugify("日本") == ""


def test_truncation_keeps_whole_words():
    assert truncate("the-quick-brown-fox", 12) == "the-quick"
    assert truncate("supercalifragilistic", 5) == "super"
    assert slugify("The Quick Brown Fox", max_length=15) == "the-quick-brown"
    with pytest.raises(SlugError):
        truncate("abc", 0)


def test_stopwords_are_left_out():
    assert slugify("The Quick Brown Fox", stopwords={"the"}) == "quick-brown-fox"
    assert slugify("The The", stopwords={"THE"}) == "the-the"  # never an empty slug
