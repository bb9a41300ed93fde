"""SWE task records, compatible with SWE-bench's fields, and loading them from JSONL or a
Hugging Face ``datasets`` file.

A task names the repository and commit to start from, the issue text the agent sees, the gold
patch, the test patch the agent never sees, and the tests that decide: ``FAIL_TO_PASS`` (fail
before the fix, pass after) and ``PASS_TO_PASS`` (pass throughout). How to get the environment:
``image`` (an image with the repository at its ``base_commit`` in the workspace, e.g. a
SWE-bench or SWE-Gym image on your engine) or ``setup`` (shell commands run on the base image).
SWE-bench stores the two test lists as JSON strings; both forms are accepted.

Two optional fields say where and how the tests run: ``workdir``, the repository's directory in
the sandbox (default ``/workspace``; SWE-bench images use ``/testbed``), and ``test_cmd``, the
command that starts pytest there (default ``python3 -s -m pytest``; e.g. ``source
/opt/miniconda3/bin/activate testbed && python -m pytest`` for a SWE-bench image). The
evaluation appends pytest options (a JUnit XML report among them) and the test ids, so the
command must run pytest.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from agentgym.deps import require
from agentgym.errors import AgentGymError

class SWETaskError(AgentGymError, ValueError):
    """A task record or task file is malformed, or names a task that does not exist."""


REQUIRED = ("instance_id", "repo", "problem_statement", "test_patch", "FAIL_TO_PASS")
DEFAULT_WORKDIR = "/workspace"
DEFAULT_TEST_CMD = "python3 -s -m pytest"  # -s: no user site-packages (the agent's home is the workspace)


@dataclass(frozen=True)
class SWETask:
    """One task (SWE-bench's field names)."""

    instance_id: str
    repo: str
    problem_statement: str
    test_patch: str
    FAIL_TO_PASS: tuple[str, ...]
    PASS_TO_PASS: tuple[str, ...] = ()
    base_commit: str = ""
    patch: str = ""
    image: str = ""
    setup: tuple[str, ...] = ()
    workdir: str = DEFAULT_WORKDIR
    test_cmd: str = DEFAULT_TEST_CMD
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> SWETask:
        """A task from a SWE-bench-style dict; unknown keys are kept in ``extra``.

        Raises:
            SWETaskError: a required field is missing or empty, a test list is malformed, or
                ``workdir`` is not an absolute path.
        """
        if not isinstance(record, dict):
            raise SWETaskError(f"a task is a JSON object, got {type(record).__name__}")
        missing = [key for key in REQUIRED if not record.get(key)]
        if missing:
            raise SWETaskError(f"task {record.get('instance_id', '?')!r} lacks {', '.join(missing)}")
        known = {f.name for f in fields(cls)} - {"extra"}
        values = {key: record[key] for key in known if key in record and record[key] is not None}
        for key in ("FAIL_TO_PASS", "PASS_TO_PASS", "setup"):
            if key in values:
                values[key] = _string_list(values[key], key, record["instance_id"])
        for key in ("instance_id", "repo", "problem_statement", "test_patch", "base_commit", "patch", "image",
                    "workdir", "test_cmd"):
            if key in values and not isinstance(values[key], str):
                raise SWETaskError(f"task {record['instance_id']!r}: {key} must be a string")
        for key in ("workdir", "test_cmd"):
            if key in values and not values[key].strip():
                del values[key]  # empty: the default
        workdir = values.get("workdir", DEFAULT_WORKDIR)
        if not workdir.startswith("/") or workdir.rstrip("/") in ("", "/tmp") or ".." in workdir.split("/"):
            raise SWETaskError(f"task {record['instance_id']!r}: workdir must be an absolute path other than / and "
                             f"/tmp, got {workdir!r}")
        return cls(**values, extra={k: v for k, v in record.items() if k not in known})


def _string_list(value: Any, key: str, instance: str) -> tuple[str, ...]:
    if isinstance(value, str):  # SWE-bench keeps the lists as JSON text
        try:
            value = json.loads(value)
        except ValueError:
            raise SWETaskError(f"task {instance!r}: {key} is neither a list nor JSON text of one") from None
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise SWETaskError(f"task {instance!r}: {key} must be a list of strings")
    return tuple(value)


def load_tasks(path: str | Path) -> list[SWETask]:
    """Tasks from a ``.jsonl`` file (one object a line) or a Hugging Face ``datasets`` file
    (``.parquet``, ``.arrow``, ``.json``) or directory saved with ``save_to_disk``.

    Raises:
        SWETaskError: a malformed line or record (the message names the line or instance), or
            two tasks with one ``instance_id``.
        FileNotFoundError: no such file.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no task file at {path}")
    if path.suffix == ".jsonl":
        records = []
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except ValueError as exc:
                raise SWETaskError(f"{path}:{number}: not JSON ({exc})") from None
    else:
        datasets = require("datasets", extra="hf", what="loading tasks from a datasets file")
        if path.is_dir():
            data = datasets.load_from_disk(str(path))
        else:
            kind = {".parquet": "parquet", ".arrow": "arrow", ".json": "json"}.get(path.suffix)
            if kind is None:
                raise SWETaskError(f"{path}: expected .jsonl, .parquet, .arrow, .json or a saved dataset directory")
            data = datasets.load_dataset(kind, data_files=str(path), split="train")
        records = [dict(row) for row in data]
    tasks = [SWETask.from_record(record) for record in records]
    seen: set[str] = set()
    for task in tasks:
        if task.instance_id in seen:
            raise SWETaskError(f"{path}: instance_id {task.instance_id!r} appears twice")
        seen.add(task.instance_id)
    return tasks
