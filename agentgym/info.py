"""The standard ``info`` keys of a text environment (DESIGN §2.1).

:data:`INFO_KEYS` is the single table of them: the README's table, the checker and the trajectory
store all read it. Families may add keys of their own; the standard ones, when present, must
have the types below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class InfoKey:
    """One standard ``info`` key: its name, the type it must have, and what it means."""

    name: str
    type_doc: str
    meaning: str
    required: bool = False


INFO_KEYS: dict[str, InfoKey] = {
    key.name: key
    for key in (
        InfoKey("task_id", "str", "always present: identifies the task instance (groups, replays, reports)", required=True),
        InfoKey("goal", "str", "the task in natural language"),
        InfoKey("admissible_actions", "list[str] or None", "valid actions now, where the engine can list them"),
        InfoKey("action_valid", "bool", "whether the last action was understood / executed"),
        InfoKey("score", "float", "the game's own score, where it has one"),
        InfoKey("max_score", "float", "the highest score the game can give, where it has one"),
        InfoKey("won", "bool", "the task was solved"),
        InfoKey("lost", "bool", "the task can no longer be solved"),
        InfoKey("expert_action", "str or None", "next action of an expert / walkthrough / planner, where cheap"),
        InfoKey("rubric", "dict[str, float]", "per-criterion status in [0, 1] (subgoals met, tests passing)"),
        InfoKey("reference", "str or None", "ground-truth target text, for information-gain rewards"),
        InfoKey("action_truncated", "bool", "set by the action-normalisation wrapper: the action was cut to the length cap"),
        InfoKey("raw_action", "str", "set by the action-extraction wrapper: the model output the action came from"),
        InfoKey("action_format_valid", "bool", "set by the action-extraction wrapper: the output had the expected format"),
    )
}


def _is_number(value: Any) -> bool:
    # bool is an int subclass, but a score of True is a bug, not a number.
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _is_bool(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_))


def _check_value(name: str, value: Any) -> str | None:
    """The problem with ``info[name]``'s type, or None when it is well typed."""
    if name in ("task_id", "goal", "raw_action"):
        ok = isinstance(value, str) and (name != "task_id" or value != "")
    elif name in ("expert_action", "reference"):
        ok = value is None or isinstance(value, str)
    elif name == "admissible_actions":
        ok = value is None or (isinstance(value, (list, tuple)) and all(isinstance(a, str) for a in value))
    elif name in ("action_valid", "won", "lost", "action_truncated", "action_format_valid"):
        ok = _is_bool(value)
    elif name in ("score", "max_score"):
        ok = _is_number(value)
    elif name == "rubric":
        ok = isinstance(value, Mapping) and all(
            isinstance(k, str) and _is_number(v) and 0.0 <= float(v) <= 1.0 for k, v in value.items()
        )
    else:  # pragma: no cover - every key of INFO_KEYS has a branch above
        raise KeyError(name)
    if ok:
        return None
    return f"info[{name!r}] must be {INFO_KEYS[name].type_doc}, got {type(value).__name__}: {value!r:.80}"


def info_problems(info: Any) -> list[str]:
    """Every way ``info`` breaks the standard-key contract; an empty list when it keeps it."""
    if not isinstance(info, dict):
        return [f"info must be a dict, got {type(info).__name__}"]
    problems = [f"info[{key.name!r}] is missing" for key in INFO_KEYS.values() if key.required and key.name not in info]
    for name, value in info.items():
        if name in INFO_KEYS:
            problem = _check_value(name, value)
            if problem:
                problems.append(problem)
    return problems


def info_table_markdown() -> str:
    """The standard keys as a Markdown table (the README embeds it; a test keeps them equal)."""
    rows = ["| key | type | meaning |", "|---|---|---|"]
    rows += [f"| `{k.name}` | {k.type_doc} | {k.meaning} |" for k in INFO_KEYS.values()]
    return "\n".join(rows)
