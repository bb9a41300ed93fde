import pytest

from batching import chunked


def test_even_chunks():
    assert chunked(range(6), 2) == [[0, 1], [2, 3], [4, 5]]


def test_size_must_be_positive():
    with pytest.raises(ValueError):
        chunked([1], 0)
