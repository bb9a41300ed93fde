"""The trajectory store: episode records, a crash-safe Parquet writer, a reader, exports."""

from agentgym.trajectory.export import to_chat_jsonl, to_hf_dataset
from agentgym.trajectory.reader import part_files, read_episodes, read_run_metadata, read_table
from agentgym.trajectory.records import Episode, Turn
from agentgym.trajectory.schema import EPISODE_SCHEMA, SCHEMA_VERSION
from agentgym.trajectory.summary import summarize
from agentgym.trajectory.writer import TrajectoryWriter

__all__ = [
    "EPISODE_SCHEMA",
    "SCHEMA_VERSION",
    "Episode",
    "TrajectoryWriter",
    "Turn",
    "part_files",
    "read_episodes",
    "read_run_metadata",
    "read_table",
    "summarize",
    "to_chat_jsonl",
    "to_hf_dataset",
]
