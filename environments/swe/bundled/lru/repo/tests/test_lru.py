import pytest

from lru import InvalidCapacityError, LRUCache


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


def test_put_of_an_existing_key_refreshes_it():
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("a", 10)
    cache.put("c", 3)
    assert list(cache) == ["a", "c"] and cache.get("a") == 10


def test_peek_and_contains_do_not_count_as_use():
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.peek("a") == 1 and "a" in cache and cache.peek("z", "-") == "-"
    cache.put("c", 3)
    assert "a" not in cache and list(cache) == ["b", "c"]
    assert cache.stats().hits == 0 and cache.stats().misses == 0


def test_pop_resize_and_clear():
    cache = LRUCache(3)
    for key in "abc":
        cache.put(key, key.upper())
    assert cache.pop("b") == "B" and cache.pop("b", None) is None
    with pytest.raises(KeyError):
        cache.pop("b")
    cache.put("d", "D")
    cache.resize(1)
    assert list(cache) == ["d"] and cache.capacity == 1
    cache.clear()
    assert len(cache) == 0
    with pytest.raises(InvalidCapacityError, match="at least 1"):
        cache.resize(0)


def test_evictions_are_counted_and_reported():
    evicted = []
    cache = LRUCache(1, on_evict=lambda key, value: evicted.append((key, value)))
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("b", 3)
    assert cache.get("a") is None and cache.get("b") == 3
    assert evicted == [("a", 1)]
    stats = cache.stats()
    assert (stats.hits, stats.misses, stats.evictions, stats.size) == (1, 1, 1, 1)
    assert stats.hit_rate == 0.5
