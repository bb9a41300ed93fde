"""A content-addressed cache of generated TextWorld games, safe under concurrent processes.

A game is identified by its kind, its parameters, its seed and the TextWorld version; its
files live in ``<cache>/textworld/<kind>-<hash>/``. Generation happens under a file lock, in a
temporary directory that is renamed into place only when complete, so concurrent processes
never see half a game and never generate one twice. A directory whose files do not load is
treated as corrupted and generated again. Inform7 writes ``$HOME/Inform``; generation points
HOME at the temporary directory so nothing lands in the user's home.

The cache root is ``$AGENTGYM_CACHE`` if set, else the user cache dir (``~/.cache/agentgym``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import platformdirs
from filelock import FileLock

GAME_FILE = "game.z8"


def cache_root() -> Path:
    """Where generated games are kept."""
    root = os.environ.get("AGENTGYM_CACHE") or platformdirs.user_cache_dir("agentgym")
    return Path(root) / "textworld"


def game_key(kind: str, params: dict[str, Any], version: str) -> str:
    blob = json.dumps({"kind": kind, "params": params, "textworld": version}, sort_keys=True)
    return f"{kind}-{hashlib.sha256(blob.encode()).hexdigest()[:20]}"


def cached_game(key: str, build: Callable[[Path], None]) -> Path:
    """The game file for ``key``, built with ``build(path)`` if missing or corrupted."""
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    final = root / key
    with FileLock(str(root / f".{key}.lock")):
        if is_valid(final):
            return final / GAME_FILE
        shutil.rmtree(final, ignore_errors=True)  # absent, or corrupted: build it again
        tmp = root / f".tmp-{key}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        try:
            with private_home(tmp / "home"):
                build(tmp / GAME_FILE)
            if not is_valid(tmp):
                raise RuntimeError(f"TextWorld did not produce a loadable game for {key}")
            os.replace(tmp, final)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return final / GAME_FILE


def is_valid(directory: Path) -> bool:
    """Both the story file and its JSON description are there and the JSON parses."""
    game, meta = directory / GAME_FILE, directory / "game.json"
    try:
        json.loads(meta.read_text())
        return game.stat().st_size > 0
    except (OSError, ValueError):
        return False


@contextlib.contextmanager
def private_home(home: Path) -> Iterator[None]:
    """Point HOME at ``home`` for the duration (Inform7 writes ``$HOME/Inform``)."""
    home.mkdir(parents=True, exist_ok=True)
    previous = os.environ.get("HOME")
    os.environ["HOME"] = str(home)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("HOME", None)
        else:
            os.environ["HOME"] = previous
