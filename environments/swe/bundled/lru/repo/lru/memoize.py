"""``@memoize``: cache a function's results in an :class:`~lru.cache.LRUCache`."""

from __future__ import annotations

import functools
from typing import Any, Callable, Dict, Hashable, Tuple, TypeVar

from lru.cache import LRUCache

F = TypeVar("F", bound=Callable[..., Any])
_MISSING = object()
_KWARGS = object()  # separates positional from keyword arguments in a key


def make_key(args: Tuple[Any, ...], kwargs: Dict[str, Any], typed: bool = False) -> Hashable:
    """A hashable key for a call: ``f(1, b=2)`` and ``f(1, 2)`` get different keys, and with
    ``typed`` so do ``f(1)`` and ``f(1.0)``. Keyword order does not matter.

    Raises:
        TypeError: an argument is not hashable.
    """
    key: Tuple[Any, ...] = args
    if kwargs:
        key += (_KWARGS,) + tuple(sorted(kwargs.items()))
    if typed:
        key += tuple(type(value) for value in args) + tuple(type(value) for _, value in sorted(kwargs.items()))
    hash(key)
    return key


def memoize(maxsize: int = 128, typed: bool = False) -> Callable[[F], F]:
    """Decorate a function so that repeated calls with the same arguments reuse the result.

    The wrapper exposes its cache as ``wrapper.cache`` and empties it with
    ``wrapper.cache_clear()``. Results are cached even when they are None.
    """
    def decorator(func: F) -> F:
        cache = LRUCache(maxsize)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            key = make_key(args, kwargs, typed)
            value = cache.get(key, _MISSING)
            if value is _MISSING:
                value = func(*args, **kwargs)
                cache.put(key, value)
            return value

        wrapper.cache = cache  # type: ignore[attr-defined]
        wrapper.cache_clear = cache.clear  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator
