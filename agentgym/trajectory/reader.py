"""Reading the trajectory store through ``pyarrow.dataset`` (DESIGN §2.5).

Every function takes either a directory of parts or a run directory that holds one in
``trajectories/``. Temporary files (names starting with ``.``) and parts replaced by a
compacted file are skipped, so a directory is readable at any moment, even while a writer is
running or after it was killed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from agentgym.errors import TrajectoryStoreError
from agentgym.trajectory.records import Episode
from agentgym.trajectory.schema import (
    EPISODE_SCHEMA,
    META_AGENTGYM_VERSION,
    META_ENV_VERSIONS,
    META_RUN_CONFIG,
    META_SCHEMA_VERSION,
    SCHEMA_VERSION,
    table_to_episodes,
)
from agentgym.trajectory.writer import COMPACT_SUFFIX, META_REPLACES, PART_SUFFIX

TRAJECTORIES_SUBDIR = "trajectories"


def trajectories_dir(path: str | os.PathLike[str]) -> Path:
    """The directory of parts for ``path`` (a run directory or the parts directory itself)."""
    path = Path(path)
    if not path.is_dir():
        raise TrajectoryStoreError(f"no trajectory directory at {path}")
    sub = path / TRAJECTORIES_SUBDIR
    return sub if sub.is_dir() else path


def part_files(path: str | os.PathLike[str]) -> list[Path]:
    """The live part files, in the order they were written."""
    directory = trajectories_dir(path)
    files = sorted(p for p in directory.iterdir() if p.name.endswith(PART_SUFFIX) and not p.name.startswith("."))
    replaced: set[str] = set()
    for compact in (p for p in files if p.name.endswith(COMPACT_SUFFIX)):
        metadata = _file_metadata(compact)
        replaced.update(json.loads(metadata.get(META_REPLACES, b"[]")))
    return [p for p in files if p.name not in replaced]


def read_table(path: str | os.PathLike[str], columns: list[str] | None = None, filter: Any = None) -> pa.Table:
    """All episodes under ``path`` as one Arrow table.

    Args:
        path: run directory or parts directory.
        columns: only these columns (e.g. ``["env_id", "return", "success"]``: fast, no turns).
        filter: a ``pyarrow.dataset`` expression, e.g. ``ds.field("success") == True``.
    """
    files = part_files(path)
    if not files:
        return EPISODE_SCHEMA.empty_table().select(columns) if columns else EPISODE_SCHEMA.empty_table()
    _check_version(files[0])
    dataset = ds.dataset([str(f) for f in files], format="parquet", schema=EPISODE_SCHEMA)
    return dataset.to_table(columns=columns, filter=filter)


def read_episodes(path: str | os.PathLike[str], filter: Any = None) -> list[Episode]:
    """All episodes under ``path`` as :class:`Episode` records, in writing order."""
    return table_to_episodes(read_table(path, filter=filter))


def read_run_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Provenance recorded by the writer: schema version, agentgym version, env versions, run config."""
    files = part_files(path)
    if not files:
        raise TrajectoryStoreError(f"no episodes under {path}")
    metadata = _file_metadata(files[0])
    return {
        "schema_version": int(metadata[META_SCHEMA_VERSION]),
        "agentgym_version": metadata[META_AGENTGYM_VERSION].decode(),
        "env_versions": json.loads(metadata[META_ENV_VERSIONS]),
        "run_config": json.loads(metadata[META_RUN_CONFIG]),
    }


def _file_metadata(path: Path) -> dict[bytes, bytes]:
    try:
        return dict(pq.read_schema(path).metadata or {})
    except (OSError, pa.ArrowInvalid) as exc:
        raise TrajectoryStoreError(f"{path} is not a readable trajectory part: {exc}") from exc


def _check_version(path: Path) -> None:
    version = int(_file_metadata(path).get(META_SCHEMA_VERSION, b"0"))
    if version > SCHEMA_VERSION:
        raise TrajectoryStoreError(
            f"{path} has trajectory schema version {version}, newer than this agentgym reads ({SCHEMA_VERSION}); upgrade agentgym"
        )
    if version < 1:
        raise TrajectoryStoreError(f"{path} was not written by agentgym's trajectory writer (no schema version)")
