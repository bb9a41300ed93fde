"""Append-only, crash-safe Parquet writer for episodes (DESIGN §2.5).

Episodes are written in *parts*: each flush writes one Parquet file under a temporary name
(starting with ``.``, which readers skip), fsyncs it and renames it into place. A rename is
atomic, so a part is either complete or invisible, and a process killed at any instant loses
only the episodes not yet flushed — with the default ``flush_every=1``, at most the episode in
flight.

Many small parts are slow to read, so :meth:`TrajectoryWriter.close` compacts the parts this
writer wrote into one ``*.compact.parquet`` file whose metadata lists the parts it replaces;
only then are those parts deleted. A kill between the two steps leaves both on disk, and the
reader ignores the replaced parts, so no episode is lost or read twice.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from agentgym.errors import TrajectoryStoreError
from agentgym.version import __version__
from agentgym.trajectory.records import Episode
from agentgym.trajectory.schema import (
    META_AGENTGYM_VERSION,
    META_ENV_VERSIONS,
    META_RUN_CONFIG,
    META_SCHEMA_VERSION,
    SCHEMA_VERSION,
    episodes_to_table,
    to_jsonable,
)

PART_SUFFIX = ".parquet"
COMPACT_SUFFIX = ".compact.parquet"
META_REPLACES = b"agentgym.replaces"


class TrajectoryWriter:
    """Writes episodes into a directory of Parquet parts.

    Args:
        directory: where the parts go (created if missing). Several writers may share one
            directory: part names are unique per writer.
        run_config: the run's configuration, recorded in every part's metadata.
        env_versions: versions of the env packages used (``{"textworld": "1.7.0"}``).
        flush_every: episodes per part; 1 (the default) makes a kill lose at most the
            episode in flight.
        compact: merge this writer's parts into one file on :meth:`close`.

    Use as a context manager, or call :meth:`close`.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        run_config: Mapping[str, Any] | None = None,
        env_versions: Mapping[str, str] | None = None,
        flush_every: int = 1,
        compact: bool = True,
    ) -> None:
        if isinstance(flush_every, bool) or not isinstance(flush_every, int) or flush_every < 1:
            raise ValueError(f"flush_every must be a positive int, got {flush_every!r}")
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.flush_every = flush_every
        self.compact = compact
        self._metadata = {
            META_SCHEMA_VERSION: str(SCHEMA_VERSION).encode(),
            META_AGENTGYM_VERSION: __version__.encode(),
            META_ENV_VERSIONS: json.dumps(dict(env_versions or {}), sort_keys=True).encode(),
            META_RUN_CONFIG: json.dumps(to_jsonable(dict(run_config or {})), sort_keys=True).encode(),
        }
        self._token = uuid.uuid4().hex[:8]
        self._buffer: list[Episode] = []
        self._parts: list[Path] = []
        self._closed = False
        self.episodes_written = 0

    def write(self, episode: Episode) -> None:
        """Queue one episode; it is on disk once :attr:`flush_every` episodes are queued."""
        self.write_many([episode])

    def write_many(self, episodes: Iterable[Episode]) -> None:
        """Queue several episodes (flushing every :attr:`flush_every`)."""
        if self._closed:
            raise TrajectoryStoreError(f"the trajectory writer for {self.directory} is closed")
        for episode in episodes:
            if not isinstance(episode, Episode):
                raise TrajectoryStoreError(f"expected an Episode, got {type(episode).__name__}")
            self._buffer.append(episode)
            if len(self._buffer) >= self.flush_every:
                self.flush()

    def flush(self) -> None:
        """Write the queued episodes as one part (nothing if none are queued)."""
        if not self._buffer:
            return
        table = episodes_to_table(self._buffer, self._metadata)
        name = f"part-{time.time_ns():020d}-{os.getpid()}-{self._token}-{len(self._parts):06d}{PART_SUFFIX}"
        _atomic_write(table, self.directory / name)
        self._parts.append(self.directory / name)
        self.episodes_written += len(self._buffer)
        self._buffer = []

    def close(self) -> None:
        """Flush, compact this writer's parts (if asked) and refuse further writes. Idempotent."""
        if self._closed:
            return
        self.flush()
        self._closed = True
        if self.compact and len(self._parts) > 1:
            compact_parts(self._parts)

    def __enter__(self) -> TrajectoryWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def compact_parts(parts: list[Path]) -> Path:
    """Merge ``parts`` (one directory) into one ``*.compact.parquet`` file, then delete them.

    Crash-safe: the merged file lists the parts it replaces in its metadata before any part is
    deleted, and readers skip listed parts.
    """
    if not parts:
        raise ValueError("nothing to compact")
    tables = [pq.read_table(p) for p in parts]
    merged = pa.concat_tables(tables)
    metadata = dict(tables[0].schema.metadata or {})
    metadata[META_REPLACES] = json.dumps([p.name for p in parts]).encode()
    target = parts[0].with_name(parts[0].name[: -len(PART_SUFFIX)] + COMPACT_SUFFIX)
    _atomic_write(merged.replace_schema_metadata(metadata), target)
    for part in parts:
        part.unlink(missing_ok=True)
    return target


def _atomic_write(table: pa.Table, path: Path) -> None:
    """Write ``table`` to ``path`` so that ``path`` is either absent or complete."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:6]}.tmp")
    try:
        pq.write_table(table, tmp, compression="zstd")
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
