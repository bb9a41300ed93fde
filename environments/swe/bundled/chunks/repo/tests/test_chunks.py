import pytest

from batching import BatchingError, chunked, ichunked, split_evenly, windowed


def test_even_chunks():
    assert chunked(range(6), 2) == [[0, 1], [2, 3], [4, 5]]


def test_size_must_be_positive():
    with pytest.raises(ValueError):
        chunked([1], 0)
    with pytest.raises(BatchingError, match="size must be a whole number"):
        chunked([1], 1.5)


def test_ichunked_is_lazy():
    def numbers():
        yield from range(4)
        raise AssertionError("read past the second chunk")

    chunks = ichunked(numbers(), 2)
    assert next(chunks) == [0, 1] and next(chunks) == [2, 3]


def test_empty_input_gives_no_chunks():
    assert chunked([], 3) == []


def test_split_evenly_puts_the_longer_parts_first():
    assert split_evenly(range(7), 3) == [[0, 1, 2], [3, 4], [5, 6]]
    assert split_evenly("ab", 3) == [["a"], ["b"], []]


def test_windows_are_always_full():
    assert list(windowed([1, 2, 3, 4], 3)) == [(1, 2, 3), (2, 3, 4)]
    assert list(windowed([1, 2], 3)) == []
