import pytest

from lru import make_key, memoize


def test_memoize_reuses_results():
    calls = []

    @memoize(maxsize=4)
    def square(x):
        calls.append(x)
        return x * x

    assert [square(2), square(2), square(3)] == [4, 4, 9]
    assert calls == [2, 3] and square.__name__ == "square"
    square.cache_clear()
    square(2)
    assert calls == [2, 3, 2]


def test_keys_tell_calls_apart():
    assert make_key((1,), {"b": 2}) != make_key((1, 2), {})
    assert make_key((), {"a": 1, "b": 2}) == make_key((), {"b": 2, "a": 1})
    assert make_key((1,), {}) == make_key((1.0,), {})
    assert make_key((1,), {}, typed=True) != make_key((1.0,), {}, typed=True)
    with pytest.raises(TypeError):
        make_key(([1, 2],), {})
