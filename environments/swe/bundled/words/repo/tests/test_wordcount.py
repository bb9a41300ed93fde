from wordcount import word_frequencies


def test_simple_counts():
    assert word_frequencies("a b a") == {"a": 2, "b": 1}
