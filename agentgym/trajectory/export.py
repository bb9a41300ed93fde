"""Exports of the trajectory store: chat JSONL (for SFT) and Hugging Face ``datasets``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from agentgym.deps import require
from agentgym.trajectory.reader import read_episodes, read_table


def to_chat_jsonl(
    path: str | os.PathLike[str],
    out_file: str | os.PathLike[str],
    *,
    system_prompt: str | None = None,
    only_success: bool = False,
) -> int:
    """Write one JSON line per episode: ``{"messages": [...], "episode_id", "env_id", "task_id", "return", "success"}``.

    The messages are :meth:`Episode.chat` (user: observations, assistant: raw model outputs),
    the format SFT trainers (TRL's ``SFTTrainer`` among them) read. The file is written to a
    temporary name and renamed, so a reader never sees half of it.

    Returns:
        The number of episodes written.
    """
    out_file = Path(out_file)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_file.with_name(f".{out_file.name}.tmp")
    count = 0
    with open(tmp, "w", encoding="utf-8") as handle:
        for episode in read_episodes(path):
            if only_success and not episode.success:
                continue
            record: dict[str, Any] = {
                "messages": episode.chat(system_prompt),
                "episode_id": episode.episode_id,
                "env_id": episode.env_id,
                "task_id": episode.task_id,
                "return": episode.return_,
                "success": episode.success,
            }
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    os.replace(tmp, out_file)
    return count


def to_hf_dataset(path: str | os.PathLike[str]):
    """The episodes as a Hugging Face ``datasets.Dataset`` (one row per episode, same columns).

    Needs the ``datasets`` package (``pip install 'agentgym[hf]'``).
    """
    datasets = require("datasets", extra="hf", what="exporting trajectories to Hugging Face datasets")
    return datasets.Dataset(read_table(path))
