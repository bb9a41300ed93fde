"""A content-addressed cache of generated files (games, images), safe under concurrent processes.

An entry is a directory ``<root>/<family>/<key>/``, where the key is a hash of everything that
determines its content (:func:`content_key`). Building happens under a file lock, in a temporary
directory that is renamed into place only when complete, so concurrent processes never see half
an entry and never build one twice. An entry that fails its family's validity check (a killed
writer from an older version, a corrupted file) is built again.

A validity check that parses a file does not see every corruption: a story file with garbage in
the middle keeps its size, and TextWorld's Z-machine interpreter then hangs on it for ever. So a
family names the files that matter (``checksummed``) and the cache writes their SHA-256 digests
(``checksums.sha256``, the ``sha256sum`` format) when it builds the entry and compares them each
time the entry is used: a mismatch, a missing file or a missing digest list builds the entry
again. Hashing a 400 KB TextWorld game and its description takes 0.33 ms here (SHA-256 at
~1.2 GB/s on the 2-core development machine); it is paid on every use (a reset), which is why
only the named files are hashed (not, say, a multi-GB image tarball).

Builds are CPU-bound (TextWorld compiles each game with Inform 7), so at most one per CPU runs
at a time across all processes (``$AGENTGYM_BUILD_SLOTS`` changes that number): sixteen env
workers resetting at once then finish their first games one by one, instead of all slowing to a
crawl together and running into their time limits.

The root is ``$AGENTGYM_CACHE`` if set, else the user cache dir (``~/.cache/agentgym`` on Linux).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import platformdirs
from filelock import FileLock, Timeout

logger = logging.getLogger(__name__)

CHECKSUMS = "checksums.sha256"
_CHUNK = 1 << 20


def cache_root(family: str) -> Path:
    """Where ``family``'s generated entries are kept."""
    root = os.environ.get("AGENTGYM_CACHE") or platformdirs.user_cache_dir("agentgym")
    return Path(root) / family


def content_key(kind: str, params: dict[str, Any], versions: dict[str, str]) -> str:
    """``<kind>-<hash>``: the hash covers the parameters and the versions of what builds the entry."""
    blob = json.dumps({"kind": kind, "params": params, **versions}, sort_keys=True)
    return f"{kind}-{hashlib.sha256(blob.encode()).hexdigest()[:20]}"


def cached_build(family: str, key: str, build: Callable[[Path], None], is_valid: Callable[[Path], bool],
                 checksummed: Sequence[str] = ()) -> Path:
    """The directory of entry ``key``, filled by ``build(directory)`` if missing or invalid.

    Args:
        family: the cache's subdirectory (``"textworld"``, ``"alfworld"``).
        key: the entry's name, usually from :func:`content_key`.
        build: writes the entry's files into the (empty, temporary) directory it is given.
        is_valid: whether a directory holds a complete, loadable entry.
        checksummed: names of files of the entry whose digests are written at build time and
            checked at every use (see the module docstring); none by default.

    Raises:
        RuntimeError: ``build`` returned without producing a valid entry (or one of the
            ``checksummed`` files).
    """
    root = cache_root(family)
    root.mkdir(parents=True, exist_ok=True)
    final = root / key
    with FileLock(str(root / f".{key}.lock")):
        if final.exists():
            problem = entry_problem(final, is_valid, checksummed)
            if problem is None:
                return final
            logger.warning("cached %s entry %s %s: building it again", family, key, problem)
        shutil.rmtree(final, ignore_errors=True)  # absent, or corrupted: build it again
        tmp = root / f".tmp-{key}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        try:
            with _build_slot(root):
                build(tmp)
            if not is_valid(tmp):
                raise RuntimeError(f"building {family} entry {key} did not produce a valid entry")
            if checksummed:
                write_checksums(tmp, checksummed)
            os.replace(tmp, final)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return final


def entry_problem(directory: Path, is_valid: Callable[[Path], bool], checksummed: Sequence[str] = ()) -> str | None:
    """What is wrong with a cache entry (a phrase for the log), or None when it can be used."""
    if not is_valid(directory):
        return "does not load"
    if checksummed:
        return checksum_problem(directory, checksummed)
    return None


def file_sha256(path: Path) -> str:
    """The SHA-256 hex digest of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_checksums(directory: Path, names: Sequence[str]) -> None:
    """Write ``checksums.sha256`` for the files ``names`` of ``directory``.

    Raises:
        RuntimeError: one of the files is missing (the build did not write it).
    """
    lines = []
    for name in names:
        path = directory / name
        if not path.is_file():
            raise RuntimeError(f"the cache entry {directory.name} has no {name} to checksum")
        lines.append(f"{file_sha256(path)}  {name}\n")
    (directory / CHECKSUMS).write_text("".join(lines))


def checksum_problem(directory: Path, names: Sequence[str]) -> str | None:
    """Which of the files ``names`` does not match its recorded digest (a phrase), or None."""
    try:
        lines = (directory / CHECKSUMS).read_text().splitlines()
    except (OSError, UnicodeDecodeError):
        return f"has no readable {CHECKSUMS}"
    recorded = {}
    for line in lines:
        digest, _, name = line.partition("  ")
        recorded[name] = digest
    for name in names:
        if name not in recorded:
            return f"has no checksum for {name}"
        try:
            if file_sha256(directory / name) != recorded[name]:
                return f"has a corrupted {name} (checksum mismatch)"
        except OSError:
            return f"has no readable {name}"
    return None


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
