from slug import slugify


def test_single_words_are_lowercased():
    assert slugify("Python") == "python"
    assert slugify("abc123") == "abc123"
