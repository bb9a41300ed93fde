"""Send rows to a sink (a bulk insert, an HTTP batch endpoint ...) in batches."""

from __future__ import annotations

import logging
from typing import Callable, Generic, Iterable, TypeVar

from .chunks import ichunked
from .errors import check_positive

T = TypeVar("T")

log = logging.getLogger(__name__)


def write_batches(rows: Iterable[T], sink: Callable[[list[T]], object], size: int) -> int:
    """Call ``sink`` with consecutive batches of at most ``size`` rows; return how many calls.

    Every row reaches the sink exactly once, in order. ``rows`` is read lazily, so a
    generator over a large export is fine.

        >>> sent = []
        >>> write_batches(range(4), sent.append, size=2)
        2
    """
    batches = 0
    for batch in ichunked(rows, size):
        sink(batch)
        batches += 1
    log.debug("wrote %d batches of up to %d rows", batches, size)
    return batches


class BatchWriter(Generic[T]):
    """Collect rows one at a time and pass them to ``sink`` ``size`` at a time.

    Rows left over when the writer is closed (or its ``with`` block ends) are sent
    as a final, shorter batch. Use it when rows arrive one by one; for an iterable
    you already have, :func:`write_batches` is simpler.
    """

    def __init__(self, sink: Callable[[list[T]], object], size: int) -> None:
        self.sink = sink
        self.size = check_positive(size, "size")
        self.batches_sent = 0
        self._buffer: list[T] = []
        self._closed = False

    def add(self, row: T) -> None:
        """Queue ``row``; sends a batch as soon as ``size`` rows are waiting."""
        if self._closed:
            raise RuntimeError("cannot add rows to a closed BatchWriter")
        self._buffer.append(row)
        if len(self._buffer) >= self.size:
            self.flush()

    def flush(self) -> None:
        """Send whatever is waiting now, even if it is less than a full batch."""
        if not self._buffer:
            return
        batch, self._buffer = self._buffer, []
        self.sink(batch)
        self.batches_sent += 1

    def close(self) -> None:
        """Send the remaining rows; later calls to :meth:`add` raise."""
        if not self._closed:
            self.flush()
            self._closed = True

    def __enter__(self) -> BatchWriter[T]:
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        # Rows collected before an error are still sent: the sink already has the
        # earlier batches, and a partial write is easier to resume than a gap.
        self.close()
