"""Split iterables into batches and send them on in groups.

    >>> from batching import chunked
    >>> chunked(range(6), 2)
    [[0, 1], [2, 3], [4, 5]]
"""

from .chunks import chunked, ichunked, split_evenly, windowed
from .errors import BatchingError
from .writer import BatchWriter, write_batches

__all__ = [
    "BatchWriter",
    "BatchingError",
    "chunked",
    "ichunked",
    "split_evenly",
    "windowed",
    "write_batches",
]
__version__ = "1.2.0"
