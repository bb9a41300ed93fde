"""Reading a run's episodes for a report: in full where the viewer shows them, light elsewhere.

A report shows the first few episodes of each group in its viewer but computes statistics over
all of them. Turning every stored episode into an :class:`Episode` with all its texts costs
memory in proportion to the text (10,000 SWE episodes hold gigabytes of observations) and time
in parsing every turn's ``info`` JSON. So only the first ``full_per_group`` episodes of each
(env, phase) group are read in full; the others become *light* episodes that keep exactly what
:func:`agentgym.trajectory.summary.summarize` reads — outcome flags, error, duration, each turn's
reward and the ``info`` flags it counts — with their texts left empty. Their turns' ``info`` is
parsed in bulk by Arrow's JSON reader with a schema of just those flags (a flag stored as JSON
``null`` reads as absent there; envs write booleans).
"""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json

from agentgym.trajectory.reader import read_table
from agentgym.trajectory.records import Episode, Turn
from agentgym.trajectory.schema import EPISODE_SCHEMA, table_to_episodes
from agentgym.trajectory.summary import SWE_RATES

# token-level columns: large, and nothing in a report reads them
TOKEN_COLUMNS = ("token_ids", "loss_mask", "logprobs")
# the turn-info keys summarize() reads
FLAG_KEYS = ("action_valid", *SWE_RATES.values())
LIGHT_CHUNK = 2000


def read_report_episodes(path: Path, *, full_per_group: int | None = None) -> list[Episode]:
    """The episodes under ``path`` in writing order; after the first ``full_per_group`` of each
    (env id, ``metadata["phase"]``) group, light ones (see the module docstring). None: all in full."""
    columns = [f.name for f in EPISODE_SCHEMA if f.name not in TOKEN_COLUMNS]
    table = read_table(path, columns=columns)
    metadata = [json.loads(m) if m else {} for m in table.column("metadata").to_pylist()]
    seen: Counter[tuple[str, Any]] = Counter()
    full_rows, light_rows = [], []
    for row, (env_id, meta) in enumerate(zip(table.column("env_id").to_pylist(), metadata)):
        key = (env_id, str(meta.get("phase") or ""))
        seen[key] += 1
        (full_rows if full_per_group is None or seen[key] <= full_per_group else light_rows).append(row)
    episodes: list[Episode | None] = [None] * len(table)
    full = table.take(full_rows)
    for name in TOKEN_COLUMNS:  # table_to_episodes reads every column: give it empty token columns
        full = full.append_column(EPISODE_SCHEMA.field(name), pa.nulls(len(full), EPISODE_SCHEMA.field(name).type))
    for row, episode in zip(full_rows, table_to_episodes(full)):
        episodes[row] = episode
    for start in range(0, len(light_rows), LIGHT_CHUNK):  # in chunks: the turns' info texts are transient
        rows = light_rows[start:start + LIGHT_CHUNK]
        for row, episode in zip(rows, _light_episodes(table.take(rows), [metadata[r] for r in rows])):
            episodes[row] = episode
    return [e for e in episodes if e is not None]


def _light_episodes(table: pa.Table, metadata: list[dict[str, Any]]) -> list[Episode]:
    turns = table.column("turns")
    lengths = [n or 0 for n in pc.list_value_length(turns).to_pylist()]
    flat = pc.list_flatten(turns)
    rewards = pc.struct_field(flat, "reward").to_pylist()
    flags = _turn_flags(pc.struct_field(flat, "info").to_pylist())
    scalars = table.select(["episode_id", "run_id", "group_id", "env_id", "task_id", "seed", "policy", "success",
                            "terminated", "truncated", "error", "duration_s"]).to_pylist()
    episodes, start = [], 0
    for row, length, meta in zip(scalars, lengths, metadata):
        episode_turns = [Turn(raw_output="", action="", observation="", reward=rewards[i], info=flags[i])
                         for i in range(start, start + length)]
        start += length
        episodes.append(Episode(first_observation="", turns=episode_turns, metadata=meta, **row))
    return episodes


def _turn_flags(infos: list[str | None]) -> list[dict[str, Any]]:
    """The :data:`FLAG_KEYS` present in each turn's info JSON.

    Equal dicts are one shared object (summarize only reads them): a run has a handful of flag
    combinations over hundreds of thousands of turns.
    """
    if not infos:
        return []
    shared: dict[tuple[tuple[str, Any], ...], dict[str, Any]] = {}

    def one(flags: dict[str, Any]) -> dict[str, Any]:
        try:
            return shared.setdefault(tuple(flags.items()), flags)
        except TypeError:  # an unhashable value (a list where a flag was expected): keep this one as it is
            return flags

    schema = pa.schema([(key, pa.bool_()) for key in FLAG_KEYS])
    try:
        parsed = pa_json.read_json(io.BytesIO("\n".join(i or "{}" for i in infos).encode("utf-8")),
                                   parse_options=pa_json.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore"))
        if len(parsed) == len(infos):
            columns = {key: parsed.column(key).to_pylist() for key in FLAG_KEYS}
            return [one({key: columns[key][i] for key in FLAG_KEYS if columns[key][i] is not None}) for i in range(len(infos))]
    except pa.ArrowInvalid:
        pass  # a flag that is not a JSON boolean, or NaN somewhere in an info: parse each one as Python does
    out = []
    for text in infos:
        info = json.loads(text) if text else {}
        out.append(one({key: info[key] for key in FLAG_KEYS if key in info}))
    return out
