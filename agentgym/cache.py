"""A content-addressed cache of generated files (games, images), safe under concurrent processes.

An entry is a directory ``<root>/<family>/<key>/``, where the key is a hash of everything that
determines its content (:func:`content_key`). Building happens under a file lock, in a temporary
directory that is renamed into place only when complete, so concurrent processes never see half
an entry and never build one twice. An entry that fails its family's validity check (a killed
writer from an older version, a corrupted file) is built again.

Builds are CPU-bound (TextWorld compiles each game with Inform 7), so at most one per CPU runs
at a time across all processes (``$AGENTGYM_BUILD_SLOTS`` changes that number): sixteen env
workers resetting at once then finish their first games one by one, instead of all slowing to a
crawl together and running into their time limits.

The root is ``$AGENTGYM_CACHE`` if set, else the user cache dir (``~/.cache/agentgym`` on Linux).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import platformdirs
from filelock import FileLock, Timeout


def cache_root(family: str) -> Path:
    """Where ``family``'s generated entries are kept."""
    root = os.environ.get("AGENTGYM_CACHE") or platformdirs.user_cache_dir("agentgym")
    return Path(root) / family


def content_key(kind: str, params: dict[str, Any], versions: dict[str, str]) -> str:
    """``<kind>-<hash>``: the hash covers the parameters and the versions of what builds the entry."""
    blob = json.dumps({"kind": kind, "params": params, **versions}, sort_keys=True)
    return f"{kind}-{hashlib.sha256(blob.encode()).hexdigest()[:20]}"


def cached_build(family: str, key: str, build: Callable[[Path], None], is_valid: Callable[[Path], bool]) -> Path:
    """The directory of entry ``key``, filled by ``build(directory)`` if missing or invalid.

    Args:
        family: the cache's subdirectory (``"textworld"``, ``"alfworld"``).
        key: the entry's name, usually from :func:`content_key`.
        build: writes the entry's files into the (empty, temporary) directory it is given.
        is_valid: whether a directory holds a complete, loadable entry.

    Raises:
        RuntimeError: ``build`` returned without producing a valid entry.
    """
    root = cache_root(family)
    root.mkdir(parents=True, exist_ok=True)
    final = root / key
    with FileLock(str(root / f".{key}.lock")):
        if is_valid(final):
            return final
        shutil.rmtree(final, ignore_errors=True)  # absent, or corrupted: build it again
        tmp = root / f".tmp-{key}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        try:
            with _build_slot(root):
                build(tmp)
            if not is_valid(tmp):
                raise RuntimeError(f"building {family} entry {key} did not produce a valid entry")
            os.replace(tmp, final)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return final


def build_slots() -> int:
    """How many builds may run at once on this machine (``$AGENTGYM_BUILD_SLOTS``, else the CPU count)."""
    configured = os.environ.get("AGENTGYM_BUILD_SLOTS", "")
    if configured:
        if not configured.isdigit() or int(configured) < 1:
            raise ValueError(f"AGENTGYM_BUILD_SLOTS must be a whole number >= 1, got {configured!r}")
        return int(configured)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


class _build_slot:
    """Holds one of :func:`build_slots` file locks under ``root`` while a build runs (waiting, in
    turn, for one to come free)."""

    def __init__(self, root: Path) -> None:
        self.locks = [FileLock(str(root / f".build-slot-{i}.lock")) for i in range(build_slots())]
        self.held: FileLock | None = None

    def __enter__(self) -> None:
        while self.held is None:
            for lock in self.locks:
                try:
                    lock.acquire(timeout=0)
                except Timeout:
                    continue
                self.held = lock
                return
            time.sleep(0.05)

    def __exit__(self, *exc_info: object) -> None:
        if self.held is not None:
            self.held.release()
