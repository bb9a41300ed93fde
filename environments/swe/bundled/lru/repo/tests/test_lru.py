import pytest

from lru import LRUCache


def test_put_and_get():
    cache = LRUCache(2)
    cache.put("a", 1)
    assert cache.get("a") == 1 and cache.get("b", 0) == 0


def test_capacity_is_kept():
    cache = LRUCache(2)
    for key in "abc":
        cache.put(key, key)
    assert len(cache) == 2 and cache.get("a") is None
    with pytest.raises(ValueError):
        LRUCache(0)
