"""The cache itself: an ordered dict kept from least to most recently used."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Hashable, Iterator, Optional

from lru.errors import InvalidCapacityError

_MISSING = object()


@dataclass(frozen=True)
class CacheStats:
    """A snapshot of a cache's counters."""

    hits: int
    misses: int
    evictions: int
    size: int
    capacity: int

    @property
    def hit_rate(self) -> float:
        """The share of lookups that found their key (0.0 before any lookup)."""
        lookups = self.hits + self.misses
        return self.hits / lookups if lookups else 0.0


def _check_capacity(capacity: int) -> int:
    if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
        raise InvalidCapacityError(f"capacity must be an integer of at least 1, got {capacity!r}")
    return capacity


class LRUCache:
    """A mapping of at most ``capacity`` entries that evicts the least recently used one.

    ``get`` and ``put`` count as a use of their key; ``peek``, ``in`` and iteration do not.
    ``on_evict(key, value)``, when given, is called for every entry pushed out to make room
    (not for ``pop``, ``clear`` or a ``put`` that replaces a value).
    """

    def __init__(self, capacity: int, on_evict: Optional[Callable[[Hashable, Any], None]] = None) -> None:
        self._capacity = _check_capacity(capacity)
        self._on_evict = on_evict
        self._items: OrderedDict = OrderedDict()
        self._hits = self._misses = self._evictions = 0

    @property
    def capacity(self) -> int:
        """The most entries the cache holds."""
        return self._capacity

    def get(self, key: Hashable, default: Any = None) -> Any:
        """The value stored for ``key`` (and mark it as recently used), or ``default``."""
        try:
            value = self._items[key]
        except KeyError:
            self._misses += 1
            return default
        self._hits += 1
        return value

    def put(self, key: Hashable, value: Any) -> None:
        """Store ``value`` for ``key``, evicting the least recently used entry when full."""
        self._items[key] = value
        self._items.move_to_end(key)
        self._shrink_to(self._capacity)

    def peek(self, key: Hashable, default: Any = None) -> Any:
        """The value stored for ``key``, or ``default``, without counting it as a use."""
        return self._items.get(key, default)

    def pop(self, key: Hashable, default: Any = _MISSING) -> Any:
        """Remove ``key`` and return its value; ``default`` if absent, else ``KeyError``."""
        if default is _MISSING:
            return self._items.pop(key)
        return self._items.pop(key, default)

    def resize(self, capacity: int) -> None:
        """Change the capacity; shrinking evicts the least recently used entries."""
        self._capacity = _check_capacity(capacity)
        self._shrink_to(self._capacity)

    def clear(self) -> None:
        """Remove every entry; the hit, miss and eviction counters are kept."""
        self._items.clear()

    def stats(self) -> CacheStats:
        """The counters so far, with the current size and capacity."""
        return CacheStats(self._hits, self._misses, self._evictions, len(self._items), self._capacity)

    def _shrink_to(self, size: int) -> None:
        while len(self._items) > size:
            key, value = self._items.popitem(last=False)
            self._evictions += 1
            if self._on_evict is not None:
                self._on_evict(key, value)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Hashable]:
        """The keys, from least to most recently used."""
        return iter(list(self._items))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(capacity={self._capacity}, size={len(self._items)})"
