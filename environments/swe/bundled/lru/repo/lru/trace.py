"""Replaying an access trace through a cache, to choose a capacity before deploying one."""

from __future__ import annotations

import re
from typing import Iterable, List

from lru.cache import CacheStats, LRUCache

_MISSING = object()


def parse_trace(text: str) -> List[str]:
    """The keys in a trace: separated by whitespace or commas; ``#`` starts a comment."""
    keys: List[str] = []
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        keys.extend(key for key in re.split(r"[\s,]+", line) if key)
    return keys


def replay(keys: Iterable[str], capacity: int) -> CacheStats:
    """Look each key up in an empty cache of ``capacity``, storing it after a miss, as a
    read-through cache in front of a slow store would; the counters at the end."""
    cache = LRUCache(capacity)
    for key in keys:
        if cache.get(key, _MISSING) is _MISSING:
            cache.put(key, True)
    return cache.stats()


def summary(stats: CacheStats) -> str:
    """One line for people: ``hits 1, misses 4, evictions 2, hit rate 20.0%``."""
    return (f"hits {stats.hits}, misses {stats.misses}, evictions {stats.evictions}, "
            f"hit rate {stats.hit_rate:.1%}")
