"""Pure functions from model output to an environment action.

* :func:`normalize_action` — strip, collapse whitespace, cap the length.
* :func:`extract_action` — pull the action out of a raw model output, in one of the formats
  agents are usually prompted with:

  ========== ==============================================================================
  format     what is taken
  ========== ==============================================================================
  ``raw``    the whole output
  ``last_line`` the last non-empty line
  ``tag``    the text inside the *last* ``<action>…</action>`` (tag name configurable)
  ``json``   a JSON tool call: ``{"action": "..."}``, ``{"name": ..., "arguments": {"action": ...}}``,
             or an OpenAI ``tool_calls`` list; the last call in the output counts
  ``auto``   ``tag`` if a tag is present, else ``json`` if a tool call parses, else ``last_line``
  ========== ==============================================================================

When the expected format is not found, the action falls back to the last non-empty line and
``format_valid`` is False: the env still answers (usually "I don't understand"), and a reward
shaper can penalise the format error. That fallback is the defined behaviour, not an error.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

ACTION_FORMATS = ("raw", "last_line", "tag", "json", "auto")
DEFAULT_MAX_ACTION_LENGTH = 1000

_WHITESPACE = re.compile(r"\s+")
_JSON_START = re.compile(r"\{\s*\"")  # where a JSON object with keys can start
_MAX_JSON_FAILURES = 32


@dataclass(frozen=True)
class ParsedAction:
    """An action extracted from a model output.

    Attributes:
        action: the text to send to the env.
        format_valid: whether the output had the expected format.
        format: the format that matched (``"last_line"`` when falling back).
    """

    action: str
    format_valid: bool
    format: str


def normalize_action(action: str, max_length: int | None = DEFAULT_MAX_ACTION_LENGTH) -> tuple[str, bool]:
    """Strip, collapse every whitespace run (newlines included) to one space, cap the length.

    Returns:
        The normalised action and whether it was cut to ``max_length`` characters.
    """
    action = _WHITESPACE.sub(" ", action).strip()
    if max_length is not None and len(action) > max_length:
        return action[:max_length].rstrip(), True
    return action, False


def extract_action(text: str, fmt: str = "auto", *, tag: str = "action", json_key: str = "action") -> ParsedAction:
    """The action in a raw model output ``text`` (see the module docstring for the formats).

    Args:
        text: the model's output.
        fmt: one of :data:`ACTION_FORMATS`.
        tag: the tag name for the ``tag`` format (``<action>…</action>``).
        json_key: the argument holding the action in a JSON tool call.

    Raises:
        ValueError: ``fmt`` is not a known format.
    """
    if fmt not in ACTION_FORMATS:
        raise ValueError(f"unknown action format {fmt!r}; expected one of {ACTION_FORMATS}")
    if fmt == "raw":
        return ParsedAction(text.strip(), True, "raw")
    if fmt in ("tag", "auto"):
        found = _from_tag(text, tag)
        if found is not None:
            return ParsedAction(found, True, "tag")
    if fmt in ("json", "auto"):
        found = _from_json(text, json_key)
        if found is not None:
            return ParsedAction(found, True, "json")
    return ParsedAction(_last_line(text), fmt in ("last_line", "auto"), "last_line")


def _last_line(text: str) -> str:
    for line in reversed(text.splitlines()):
        if line.strip():
            return line.strip()
    return ""


def _from_tag(text: str, tag: str) -> str | None:
    matches = re.findall(rf"<{re.escape(tag)}>(.*?)</{re.escape(tag)}>", text, flags=re.DOTALL | re.IGNORECASE)
    return matches[-1].strip() if matches else None


def _from_json(text: str, key: str) -> str | None:
    # From the end backwards: the last tool call wins, and the first object found holding an
    # action ends the search (an inner object of a call yields the same action as the call).
    # Failed decodes are bounded, so hostile output ("{"a": {"a": ...") stays cheap.
    decoder = json.JSONDecoder()
    failures = 0
    for match in reversed(list(_JSON_START.finditer(text))):
        try:
            obj, _ = decoder.raw_decode(text, match.start())
        except (ValueError, RecursionError):
            failures += 1
            if failures > _MAX_JSON_FAILURES:
                return None
            continue
        action = _action_in(obj, key)
        if action is not None:
            return action
    return None


def _action_in(obj: Any, key: str) -> str | None:
    """The action inside a decoded JSON tool call, in any of the accepted shapes."""
    if isinstance(obj, list):
        actions = [a for a in (_action_in(item, key) for item in obj) if a is not None]
        return actions[-1] if actions else None
    if not isinstance(obj, dict):
        return None
    if isinstance(obj.get(key), str):
        return obj[key].strip()
    if "tool_calls" in obj:
        return _action_in(obj["tool_calls"], key)
    if isinstance(obj.get("function"), dict):
        return _action_in(obj["function"], key)
    arguments = obj.get("arguments", obj.get("parameters"))
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except ValueError:
            return None
    if isinstance(arguments, dict) and isinstance(arguments.get(key), str):
        return arguments[key].strip()
    return None
