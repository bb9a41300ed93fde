"""Ways of cutting an iterable into groups."""

from __future__ import annotations

from collections import deque
from itertools import islice
from typing import Iterable, Iterator, TypeVar

from .errors import check_positive

T = TypeVar("T")


def ichunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Yield consecutive lists of ``size`` items; the last one may be shorter.

    Works lazily, so ``items`` may be a generator or a file too large to hold in
    memory: only one chunk is kept at a time.

        >>> list(ichunked("abcde", 2))
        [['a', 'b'], ['c', 'd'], ['e']]
    """
    check_positive(size, "size")
    iterator = iter(items)
    while True:
        chunk = list(islice(iterator, size))
        if len(chunk) < size:
            return
        yield chunk


def chunked(items: Iterable[T], size: int) -> list[list[T]]:
    """All of :func:`ichunked` at once: lists of ``size`` items, the last may be shorter.

        >>> chunked(range(6), 2)
        [[0, 1], [2, 3], [4, 5]]
    """
    return list(ichunked(items, size))


def split_evenly(items: Iterable[T], parts: int) -> list[list[T]]:
    """Cut ``items`` into ``parts`` consecutive lists whose lengths differ by at most one.

    The longer lists come first. With fewer items than parts, the trailing lists are
    empty, so the result always has exactly ``parts`` entries (handy for handing work
    to a fixed number of workers).

        >>> split_evenly(range(7), 3)
        [[0, 1, 2], [3, 4], [5, 6]]
    """
    check_positive(parts, "parts")
    items = list(items)
    base, extra = divmod(len(items), parts)
    result, start = [], 0
    for index in range(parts):
        end = start + base + (1 if index < extra else 0)
        result.append(items[start:end])
        start = end
    return result


def windowed(items: Iterable[T], size: int) -> Iterator[tuple[T, ...]]:
    """Yield each run of ``size`` neighbouring items, moving one item at a time.

    Fewer than ``size`` items give no window at all: a window is always full.

        >>> list(windowed([1, 2, 3, 4], 3))
        [(1, 2, 3), (2, 3, 4)]
    """
    check_positive(size, "size")
    window: deque[T] = deque(maxlen=size)
    for item in items:
        window.append(item)
        if len(window) == size:
            yield tuple(window)
