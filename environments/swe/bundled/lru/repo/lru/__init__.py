"""A least-recently-used cache, a memoizing decorator built on it, and a trace replayer."""

from lru.cache import CacheStats, LRUCache
from lru.errors import CacheError, InvalidCapacityError
from lru.memoize import make_key, memoize
from lru.trace import parse_trace, replay

__version__ = "1.3.0"

__all__ = [
    "CacheError",
    "CacheStats",
    "InvalidCapacityError",
    "LRUCache",
    "make_key",
    "memoize",
    "parse_trace",
    "replay",
]
