"""The Parquet schema of the trajectory store, and episode ↔ Arrow conversion.

One row per episode, turns nested as a list of structs. ``info``-like dicts are stored as
JSON text (their keys differ between families); shaped rewards as (name, value) pairs. The schema version
and provenance (agentgym version, env package versions, run config) are in the schema
metadata of every file.

Schema history:
    1 — first version.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pyarrow as pa

from agentgym.errors import TrajectoryStoreError
from agentgym.trajectory.records import Episode, Turn

SCHEMA_VERSION = 1
META_SCHEMA_VERSION = b"agentgym.schema_version"
META_AGENTGYM_VERSION = b"agentgym.version"
META_ENV_VERSIONS = b"agentgym.env_versions"
META_RUN_CONFIG = b"agentgym.run_config"

TURN_TYPE = pa.struct(
    [
        ("raw_output", pa.string()),
        ("action", pa.string()),
        ("observation", pa.string()),
        ("reward", pa.float64()),
        ("terminated", pa.bool_()),
        ("truncated", pa.bool_()),
        ("info", pa.string()),
        # A list of (name, value) rather than an Arrow map: Hugging Face datasets cannot hold maps.
        ("shaped_rewards", pa.list_(pa.struct([("name", pa.string()), ("value", pa.float64())]))),
        ("token_start", pa.int64()),
        ("token_end", pa.int64()),
        ("policy_seconds", pa.float64()),
        ("env_seconds", pa.float64()),
    ]
)

EPISODE_SCHEMA = pa.schema(
    [
        ("episode_id", pa.string()),
        ("run_id", pa.string()),
        ("group_id", pa.string()),
        ("env_id", pa.string()),
        ("task_id", pa.string()),
        ("seed", pa.int64()),
        ("policy", pa.string()),
        ("goal", pa.string()),
        ("first_observation", pa.string()),
        ("turns", pa.list_(TURN_TYPE)),
        ("return", pa.float64()),
        ("success", pa.bool_()),
        ("num_turns", pa.int32()),
        ("terminated", pa.bool_()),
        ("truncated", pa.bool_()),
        ("error", pa.string()),
        ("start_info", pa.string()),
        ("token_ids", pa.list_(pa.int32())),
        ("loss_mask", pa.list_(pa.int8())),
        ("logprobs", pa.list_(pa.float32())),
        ("started_at", pa.float64()),
        ("duration_s", pa.float64()),
        ("metadata", pa.string()),
    ]
)


def to_jsonable(value: Any) -> Any:
    """``value`` with numpy scalars/arrays, tuples and sets turned into JSON types.

    Objects JSON cannot represent are replaced by their ``repr`` (so nothing raises, and the
    text shows what was there). Non-finite floats are kept: Python's ``json`` writes and reads
    them back as ``NaN`` / ``Infinity``.
    """
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, np.generic):
        return to_jsonable(value.item())
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        return [to_jsonable(v) for v in items]
    return repr(value)


def _dumps(value: Mapping[str, Any]) -> str:
    return json.dumps(to_jsonable(value), ensure_ascii=False)


def episodes_to_table(episodes: Iterable[Episode], metadata: Mapping[bytes, bytes] | None = None) -> pa.Table:
    """Episodes as an Arrow table of :data:`EPISODE_SCHEMA` (with ``metadata`` attached)."""
    rows = [_episode_row(e) for e in episodes]
    schema = EPISODE_SCHEMA.with_metadata(dict(metadata or {}))
    return pa.Table.from_pylist(rows, schema=schema)


def _episode_row(e: Episode) -> dict[str, Any]:
    if not isinstance(e, Episode):
        raise TrajectoryStoreError(f"expected an Episode, got {type(e).__name__}")
    return {
        "episode_id": e.episode_id,
        "run_id": e.run_id,
        "group_id": e.group_id,
        "env_id": e.env_id,
        "task_id": e.task_id,
        "seed": e.seed,
        "policy": e.policy,
        "goal": e.goal,
        "first_observation": e.first_observation,
        "turns": [_turn_row(t) for t in e.turns],
        "return": e.return_,
        "success": e.success,
        "num_turns": e.num_turns,
        "terminated": e.terminated,
        "truncated": e.truncated,
        "error": e.error,
        "start_info": _dumps(e.start_info),
        "token_ids": e.token_ids,
        "loss_mask": e.loss_mask,
        "logprobs": e.logprobs,
        "started_at": e.started_at,
        "duration_s": e.duration_s,
        "metadata": _dumps(e.metadata),
    }


def _turn_row(t: Turn) -> dict[str, Any]:
    return {
        "raw_output": t.raw_output,
        "action": t.action,
        "observation": t.observation,
        "reward": t.reward,
        "terminated": t.terminated,
        "truncated": t.truncated,
        "info": _dumps(t.info),
        "shaped_rewards": [{"name": k, "value": v} for k, v in t.shaped_rewards.items()],
        "token_start": t.token_start,
        "token_end": t.token_end,
        "policy_seconds": t.policy_seconds,
        "env_seconds": t.env_seconds,
    }


def table_to_episodes(table: pa.Table) -> list[Episode]:
    """The episodes of a table written by :func:`episodes_to_table` (derived columns dropped)."""
    return [_episode_from_row(row) for row in table.to_pylist()]


def _episode_from_row(row: dict[str, Any]) -> Episode:
    return Episode(
        episode_id=row["episode_id"],
        run_id=row["run_id"],
        group_id=row["group_id"],
        env_id=row["env_id"],
        task_id=row["task_id"],
        seed=row["seed"],
        policy=row["policy"],
        goal=row["goal"],
        first_observation=row["first_observation"],
        turns=[_turn_from_row(t) for t in row["turns"]],
        success=row["success"],
        terminated=row["terminated"],
        truncated=row["truncated"],
        error=row["error"],
        start_info=json.loads(row["start_info"]),
        token_ids=row["token_ids"],
        loss_mask=row["loss_mask"],
        logprobs=row["logprobs"],
        started_at=row["started_at"],
        duration_s=row["duration_s"],
        metadata=json.loads(row["metadata"]),
    )


def _turn_from_row(row: dict[str, Any]) -> Turn:
    return Turn(
        raw_output=row["raw_output"],
        action=row["action"],
        observation=row["observation"],
        reward=row["reward"],
        terminated=row["terminated"],
        truncated=row["truncated"],
        info=json.loads(row["info"]),
        shaped_rewards={item["name"]: item["value"] for item in row["shaped_rewards"]},
        token_start=row["token_start"],
        token_end=row["token_end"],
        policy_seconds=row["policy_seconds"],
        env_seconds=row["env_seconds"],
    )
