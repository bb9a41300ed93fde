"""Chat data for SFT (``sft.data``): a JSONL file with a ``messages`` list per line (the format
of :func:`agentgym.trajectory.export.to_chat_jsonl` and of most SFT datasets), a Parquet file
with a ``messages`` column, or an agentgym trajectory directory (its successful episodes)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from agentgym.errors import ConfigError
from agentgym.train.samples import Sample, chat_samples


def load_chats(path: str | os.PathLike[str]) -> list[list[dict[str, str]]]:
    """The conversations in ``path``; a malformed line or row is an error naming where it is."""
    path = Path(path)
    if path.is_dir():
        from agentgym.trajectory.reader import read_episodes

        return [episode.chat() for episode in read_episodes(path) if episode.success]
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        if "messages" not in table.column_names:
            raise ConfigError(f"{path}: no 'messages' column (columns: {table.column_names})")
        rows = table.column("messages").to_pylist()
        return [_messages(row, f"{path} row {i}") for i, row in enumerate(rows)]
    chats = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"{path} line {number} is not JSON: {exc}") from None
            chats.append(_messages(record.get("messages") if isinstance(record, dict) else None, f"{path} line {number}"))
    return chats


def load_chat_samples(path: str | os.PathLike[str], tokenizer: Any) -> list[Sample]:
    """Training samples of every conversation in ``path`` (assistant tokens trained on)."""
    samples: list[Sample] = []
    for index, chat in enumerate(load_chats(path)):
        try:
            samples += chat_samples(chat, tokenizer, index=index)
        except ValueError as exc:
            raise ConfigError(f"{path} conversation {index}: {exc}") from None
    return samples


def _messages(value: Any, where: str) -> list[dict[str, str]]:
    if not isinstance(value, list) or not all(isinstance(m, dict) and "role" in m and "content" in m for m in value):
        raise ConfigError(f"{where}: 'messages' must be a list of {{role, content}} objects")
    return [{"role": str(m["role"]), "content": str(m["content"])} for m in value]
