"""The SWE agent's tool calls: ``bash``, ``view``, ``edit``, ``create``, ``submit``, parsed from
model output in either of two forms.

**JSON (OpenAI-style tool calls).** ``{"name": "bash", "arguments": {"command": "ls"}}``, the
arguments possibly as a JSON string, or an OpenAI ``tool_calls`` list (the first call counts),
anywhere in the text (the last JSON object that is a tool call wins).

**Text.** The last fenced block whose info string starts with a tool name::

    ```bash
    pytest -q tests/test_dates.py
    ```

    ```view src/dates.py 10 40
    ```

    ```edit src/dates.py
    <<<<<<< SEARCH
    return days / 7
    =======
    return days // 7
    >>>>>>> REPLACE
    ```

    ```create src/util.py
    def helper(): ...
    ```

    ```submit
    ```

``view`` takes a path and an optional line range; ``edit`` replaces exactly one occurrence of
the SEARCH text (the environment refuses none or several); ``create`` writes a new file.
Malformed calls give a :class:`ToolCallError` whose message is meant for the agent.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

TOOLS: dict[str, dict[str, type]] = {  # tool -> required arguments and their types
    "bash": {"command": str},
    "view": {"path": str},
    "edit": {"path": str, "old": str, "new": str},
    "create": {"path": str, "content": str},
    "submit": {},
}
OPTIONAL: dict[str, dict[str, type]] = {"view": {"start": int, "end": int}}

_FENCE = re.compile(r"```([^\n`]*)\n(.*?)```", re.S)
_EDIT = re.compile(r"^<<<<<<< SEARCH\n(.*?)\n?=======\n(.*?)\n?>>>>>>> REPLACE\s*$", re.S)


_KIND = {str: "a string", int: "an integer"}


class ToolCallError(ValueError):
    """A call the environment cannot run; the message tells the agent what to fix."""


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)


def parse_tool_call(text: str) -> ToolCall:
    """The tool call in ``text`` (JSON tool calls are looked for first, then fenced blocks)."""
    call = _from_json(text)
    if call is None:
        call = _from_fence(text)
    if call is None:
        raise ToolCallError("no tool call found: end your answer with a fenced block such as ```bash\\nls\\n``` "
                            "or a JSON tool call {\"name\": \"bash\", \"arguments\": {\"command\": \"ls\"}}")
    return _checked(call)


def _checked(call: ToolCall) -> ToolCall:
    if call.name not in TOOLS:
        raise ToolCallError(f"unknown tool {call.name!r}; the tools are {', '.join(TOOLS)}")
    arguments = dict(call.arguments)
    for name, kind in TOOLS[call.name].items():
        if name not in arguments:
            raise ToolCallError(f"{call.name} needs the argument {name!r}")
        if not isinstance(arguments[name], kind):
            raise ToolCallError(f"{call.name}: {name!r} must be {_KIND[kind]}")
    for name, kind in OPTIONAL.get(call.name, {}).items():
        if name in arguments and arguments[name] is not None:
            try:
                arguments[name] = kind(arguments[name])
            except (TypeError, ValueError):
                raise ToolCallError(f"{call.name}: {name!r} must be {_KIND[kind]}") from None
    allowed = set(TOOLS[call.name]) | set(OPTIONAL.get(call.name, {}))
    extra = sorted(set(arguments) - allowed)
    if extra:
        raise ToolCallError(f"{call.name} takes no argument {', '.join(map(repr, extra))}")
    return ToolCall(call.name, arguments)


def _from_json(text: str) -> ToolCall | None:
    decoder = json.JSONDecoder()
    found = None
    for start in (m.start() for m in re.finditer(r"[\[{]", text)):
        try:
            value, _ = decoder.raw_decode(text, start)
        except (ValueError, RecursionError):  # deep nesting ("[" * 3000) exhausts the decoder's stack
            continue
        call = _call_in(value)
        if call is not None:
            found = call
    return found


def _call_in(value: Any) -> ToolCall | None:
    if isinstance(value, list) and value and isinstance(value[0], dict):  # OpenAI tool_calls
        value = value[0]
    if not isinstance(value, dict):
        return None
    if isinstance(value.get("function"), dict):
        value = value["function"]
    name, arguments = value.get("name"), value.get("arguments", {})
    if not isinstance(name, str) or name not in TOOLS:
        return None
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except ValueError:
            raise ToolCallError(f"the arguments of {name} are not valid JSON") from None
    if not isinstance(arguments, dict):
        raise ToolCallError(f"the arguments of {name} must be a JSON object")
    return ToolCall(name, arguments)


def _from_fence(text: str) -> ToolCall | None:
    blocks = [(info.split(), body) for info, body in _FENCE.findall(text)]
    blocks = [(words, body) for words, body in blocks if words and words[0] in TOOLS]
    if not blocks:
        return None
    (name, *args), body = blocks[-1]
    if name == "bash":
        return ToolCall("bash", {"command": body.rstrip("\n")})
    if name == "submit":
        return ToolCall("submit", {})
    if not args:
        raise ToolCallError(f"```{name} needs a path after the tool name")
    path = args[0]
    if name == "view":
        if len(args) not in (1, 3):
            raise ToolCallError("```view PATH [START END]``` takes a path and, optionally, two line numbers")
        return ToolCall("view", {"path": path, **({"start": args[1], "end": args[2]} if len(args) == 3 else {})})
    if name == "create":
        return ToolCall("create", {"path": path, "content": body})
    match = _EDIT.match(body)
    if match is None:
        raise ToolCallError("```edit PATH``` needs <<<<<<< SEARCH, the old text, =======, the new text, >>>>>>> REPLACE")
    return ToolCall("edit", {"path": path, "old": match.group(1), "new": match.group(2)})
