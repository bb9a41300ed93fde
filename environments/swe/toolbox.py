"""Running the agent's tool calls (:mod:`environments.swe.tools`) in a sandbox.

Every outcome is an observation for the agent, never an exception: a command's output (capped
by the sandbox, truncation said), a numbered file view (at most :data:`MAX_VIEW_LINES` lines; a
binary file is refused), an edit that replaces exactly one occurrence of its SEARCH text (none
or several: refused, with the count), a created file (an existing one: refused, use edit).
Paths are resolved inside the container and must stay in the sandbox's workspace: ``..``,
absolute paths elsewhere and symlinks that lead out are refused (an edit through such a symlink
included).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from environments.swe.tools import ToolCall

MAX_VIEW_LINES = 400
COMMAND_TIMEOUT = 120.0


@dataclass(frozen=True)
class ToolResult:
    """What the agent reads, and the step signals: the call worked, the workspace changed (for
    ``bash``: its diff against the start is not what it was before the command)."""

    observation: str
    ok: bool
    modified: bool = False


def run_tool(sandbox, call: ToolCall, timeout: float = COMMAND_TIMEOUT) -> ToolResult:
    """Run ``call`` (not ``submit``: the environment handles it) in ``sandbox``."""
    if call.name == "bash":
        before = sandbox.state()
        result = sandbox.exec(call.arguments["command"], timeout=timeout)
        parts = [result.stdout]
        if result.stderr:
            parts.append(result.stderr)
        if result.stdout_truncated or result.stderr_truncated:
            parts.append(f"[output truncated to {sandbox.max_output} bytes per stream]")
        if result.timed_out:
            parts.append(f"[the command was stopped after {timeout:g} s]")
        parts.append(f"[exit code {result.exit_code}]")
        return ToolResult("\n".join(p.rstrip("\n") for p in parts if p), result.ok, modified=sandbox.state() != before)
    path = _inside(sandbox, call.arguments["path"])
    if isinstance(path, ToolResult):
        return path
    if call.name == "view":
        return _view(sandbox, path, call.arguments.get("start"), call.arguments.get("end"))
    if call.name == "create":
        if sandbox.exec(f"test -e {shlex.quote(path)}").ok:
            return ToolResult(f"{call.arguments['path']} exists already: change it with edit", False)
        sandbox.write_file(path, call.arguments["content"])
        return ToolResult(f"created {call.arguments['path']}", True, modified=True)
    if call.name == "edit":
        return _edit(sandbox, path, call.arguments["path"], call.arguments["old"], call.arguments["new"])
    return ToolResult(f"{call.name} cannot run here", False)


def _inside(sandbox, path: str) -> str | ToolResult:
    """The real path in the container, or a refusal when it leaves the workspace."""
    if "\x00" in path or not path.strip():
        return ToolResult(f"invalid path {path!r}", False)
    workspace = sandbox.workspace
    target = path if path.startswith("/") else f"{workspace}/{path}"
    real = sandbox.exec(f"realpath -m -- {shlex.quote(target)}").stdout.strip()
    if real != workspace and not real.startswith(workspace + "/"):
        return ToolResult(f"{path} is outside the repository ({workspace}); paths must stay inside it", False)
    return real


def _view(sandbox, path: str, start: int | None, end: int | None) -> ToolResult:
    quoted, prefix = shlex.quote(path), sandbox.workspace + "/"
    if sandbox.exec(f"test -d {quoted}").ok:
        listing = sandbox.exec(f"find {quoted} -maxdepth 2 -not -path '*/.git*' | sort | head -200 | sed 's|^{prefix}||'")
        return ToolResult(listing.stdout.rstrip("\n"), listing.ok)
    if not sandbox.exec(f"test -f {quoted}").ok:
        return ToolResult(f"no file {path.removeprefix(prefix)}", False)
    if not sandbox.exec(f"grep -Iq . {quoted} || test ! -s {quoted}").ok:
        return ToolResult(f"{path.removeprefix(prefix)} is a binary file", False)
    first = max(1, start or 1)
    last = end if end is not None else first + MAX_VIEW_LINES - 1
    if last < first:
        return ToolResult(f"the line range {first}-{last} is empty", False)
    last = min(last, first + MAX_VIEW_LINES - 1)
    shown = sandbox.exec(f"awk -v a={first} -v b={last} 'NR>=a && NR<=b {{printf \"%6d  %s\\n\", NR, $0}}' {quoted}")
    total = sandbox.exec(f"wc -l < {quoted}").stdout.strip()
    return ToolResult(f"{shown.stdout.rstrip()}\n[lines {first}-{last} of {total}]", shown.ok)


def _edit(sandbox, path: str, shown: str, old: str, new: str) -> ToolResult:
    if not old:
        return ToolResult("edit needs a non-empty SEARCH text", False)
    try:
        text = sandbox.read_file(path).decode("utf-8")
    except (UnicodeDecodeError, IsADirectoryError):
        return ToolResult(f"{shown} is not a text file", False)
    except Exception:  # noqa: BLE001 - no such file (the engine's 404)
        return ToolResult(f"no file {shown}", False)
    count = text.count(old)
    if count != 1:
        return ToolResult(f"the SEARCH text occurs {count} times in {shown}; it must occur exactly once", False)
    sandbox.write_file(path, text.replace(old, new, 1))
    return ToolResult(f"edited {shown}", True, modified=True)
