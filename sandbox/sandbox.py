"""A locked-down container to run an agent's commands in (DESIGN §2.8).

Defaults: no network, memory / CPU / process limits, the unprivileged ``agent`` user, a
read-only root filesystem with a writable ``/workspace`` (a Docker volume of its own) and
``/tmp`` (tmpfs), no capabilities, ``no-new-privileges``, an init process that reaps zombies,
and no host path mounted unless the caller names it. A command's time limit is enforced
twice: inside (``timeout -k``) and outside (the SDK call is abandoned and the container
killed if it overruns by ``grace`` seconds; the sandbox is then broken and says so).

Nothing leaks: the container and its volume carry agentgym's labels; ``close()``, the context
manager, garbage collection and ``atexit`` remove them, and :func:`sandbox.engine.reap`
removes those of dead processes.
"""

from __future__ import annotations

import atexit
import io
import shlex
import tarfile
import threading
import time
import uuid
import weakref
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from sandbox.engine import client, own_labels
from sandbox.images import AGENT_UID, DEFAULT_TAG

WORKSPACE = "/workspace"
_BASELINE = "/tmp/.agentgym-baseline"  # git dir of the workspace's starting state (outside the workspace)
_GIT = f"git --git-dir={_BASELINE} --work-tree={WORKSPACE} -c user.name=agentgym -c user.email=agentgym@localhost"


class SandboxError(RuntimeError):
    """The sandbox cannot go on (its container died or a command overran its outside limit)."""


@dataclass
class ExecResult:
    """One command's outcome; outputs are capped at the sandbox's ``max_output`` bytes each."""

    exit_code: int
    stdout: str
    stderr: str
    duration_s: float
    timed_out: bool = False
    stdout_truncated: bool = False
    stderr_truncated: bool = False

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


def _parse_memory(memory: str | int) -> int:
    if isinstance(memory, int):
        return memory
    units = {"k": 2**10, "m": 2**20, "g": 2**30}
    text = memory.strip().lower().rstrip("b")
    return int(float(text[:-1]) * units[text[-1]]) if text[-1] in units else int(text)


class Sandbox:
    """A container from ``image`` with the workspace at ``/workspace``.

    Args:
        image: an image with ``sleep``, ``timeout``, ``bash`` and (for ``diff``) ``git``
            (default: the base image of :func:`sandbox.images.build_base_image`).
        memory, cpus, pids: resource limits.
        network: allow networking (off by default).
        mounts: host paths to mount, ``{host_path: container_path}`` (read-only); none by default.
        max_output: bytes kept of each command's stdout and stderr.
        user: the user commands run as (the image's ``agent`` by default).
    """

    def __init__(self, image: str = DEFAULT_TAG, *, memory: str | int = "1g", cpus: float = 1.0, pids: int = 256,
                 network: bool = False, mounts: dict[str, str] | None = None, max_output: int = 64 * 1024,
                 user: str = f"{AGENT_UID}:{AGENT_UID}") -> None:
        engine = client()
        self.max_output, self.user = max_output, user
        labels = own_labels()
        self.volume = engine.volumes.create(name=f"agentgym-ws-{uuid.uuid4().hex[:12]}", labels=labels)
        volumes = {self.volume.name: {"bind": WORKSPACE, "mode": "rw"}}
        for host, inside in (mounts or {}).items():
            volumes[str(Path(host).resolve())] = {"bind": inside, "mode": "ro"}
        try:
            self.container = engine.containers.run(
                image, ["sleep", "infinity"], detach=True, labels=labels, network_mode="bridge" if network else "none",
                mem_limit=_parse_memory(memory), memswap_limit=_parse_memory(memory), nano_cpus=int(cpus * 1e9),
                pids_limit=pids, user=user, read_only=True, tmpfs={"/tmp": "rw,exec,size=512m,mode=1777"},
                volumes=volumes, working_dir=WORKSPACE, init=True, cap_drop=["ALL"],
                security_opt=["no-new-privileges"],
            )
        except Exception:
            self.volume.remove(force=True)
            raise
        self._closed = False
        self._finalizer = weakref.finalize(self, _remove, self.container, self.volume)
        atexit.register(self._finalizer)
        self.exec(f"{_GIT} init -q && {_GIT} add -A && {_GIT} commit -q --allow-empty -m start", timeout=60)

    # -- commands ---------------------------------------------------------------------------
    def exec(self, command: str, timeout: float = 60.0, workdir: str = WORKSPACE, grace: float = 10.0) -> ExecResult:
        """Run ``command`` with bash in ``workdir``; ``timed_out`` (exit code 124) past ``timeout``."""
        self._check_open()
        wrapped = ["timeout", "-k", "2", f"{timeout:g}", "bash", "-c", command]
        outcome: dict[str, Any] = {}

        def call() -> None:
            try:
                outcome["result"] = self.container.exec_run(wrapped, demux=True, user=self.user, workdir=workdir)
            except Exception as exc:  # noqa: BLE001 - reported below
                outcome["error"] = exc

        start = time.perf_counter()
        worker = threading.Thread(target=call, daemon=True)
        worker.start()
        worker.join(timeout + grace)
        duration = time.perf_counter() - start
        if worker.is_alive():
            self._break("a command overran its time limit outside the container")
        if "error" in outcome:
            self._break(f"the container failed: {outcome['error']}")
        code, (stdout, stderr) = outcome["result"]
        out, out_cut = self._cap(stdout)
        err, err_cut = self._cap(stderr)
        return ExecResult(int(code), out, err, duration, timed_out=int(code) in (124, 137) and duration >= timeout,
                          stdout_truncated=out_cut, stderr_truncated=err_cut)

    def _cap(self, data: bytes | None) -> tuple[str, bool]:
        data = data or b""
        cut = len(data) > self.max_output
        return data[: self.max_output].decode("utf-8", errors="replace"), cut

    # -- files ------------------------------------------------------------------------------
    def write_file(self, path: str, content: str | bytes, mode: int = 0o644) -> None:
        """Write a file (parents created) in the workspace (a relative path is relative to it)."""
        target = self._path(path)
        data = content.encode() if isinstance(content, str) else content
        self.exec(f"mkdir -p {shlex.quote(str(target.parent))}", timeout=30)
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            info = tarfile.TarInfo(target.name)
            info.size, info.mode, info.uid, info.gid, info.mtime = len(data), mode, AGENT_UID, AGENT_UID, time.time()
            tar.addfile(info, io.BytesIO(data))
        if not self.container.put_archive(str(target.parent), buffer.getvalue()):
            raise SandboxError(f"could not write {target}")

    def read_file(self, path: str) -> bytes:
        """The bytes of a file in the workspace."""
        self._check_open()
        stream, _ = self.container.get_archive(str(self._path(path)))
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
            member = tar.next()
            if member is None or not member.isfile():
                raise IsADirectoryError(f"{path} is not a regular file")
            return tar.extractfile(member).read()

    def copy_in(self, host_dir: str | Path, container_dir: str = WORKSPACE) -> None:
        """Copy the contents of a host directory into the container (owned by the agent user)."""
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            for item in sorted(Path(host_dir).rglob("*")):
                info = tar.gettarinfo(str(item), arcname=str(item.relative_to(host_dir)))
                info.uid = info.gid = AGENT_UID
                info.uname = info.gname = "agent"
                tar.addfile(info, open(item, "rb") if item.is_file() else None)
        self.exec(f"mkdir -p {shlex.quote(container_dir)}", timeout=30)
        if not self.container.put_archive(container_dir, buffer.getvalue()):
            raise SandboxError(f"could not copy {host_dir} into {container_dir}")

    def copy_out(self, container_dir: str, host_dir: str | Path) -> None:
        """Copy a container directory's contents to a host directory."""
        stream, _ = self.container.get_archive(container_dir.rstrip("/") + "/.")
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
            tar.extractall(host_dir, filter="data")

    def _path(self, path: str) -> PurePosixPath:
        """A path in the workspace (Docker's archive API cannot reach tmpfs or a read-only root)."""
        target = PurePosixPath(path if path.startswith("/") else f"{WORKSPACE}/{path}")
        if ".." in target.parts or target.parts[:2] != ("/", WORKSPACE.strip("/")):
            raise ValueError(f"path {path!r} is outside {WORKSPACE}")
        return target

    # -- state ------------------------------------------------------------------------------
    def mark_start(self) -> None:
        """Make the current workspace the state :meth:`diff` compares against."""
        self.exec(f"{_GIT} add -A && {_GIT} commit -q --allow-empty -m start", timeout=120)

    def state(self) -> str:
        """A fingerprint of the workspace's changes since its start (equal fingerprints: no change)."""
        result = self.exec(f"{_GIT} add -A && {_GIT} diff --cached --binary HEAD | md5sum", timeout=120)
        if not result.ok:
            raise SandboxError(f"state failed: {result.stderr.strip()}")
        return result.stdout.split()[0]

    def diff(self) -> str:
        """A unified diff (git format, new files included) of the workspace against its start."""
        result = self.exec(f"{_GIT} add -A && {_GIT} diff --cached --binary HEAD", timeout=120)
        if not result.ok:
            raise SandboxError(f"diff failed: {result.stderr.strip()}")
        return result.stdout

    def snapshot(self) -> bytes:
        """The workspace as a tar archive (restore it with :meth:`restore`)."""
        self._check_open()
        stream, _ = self.container.get_archive(WORKSPACE + "/.")
        return b"".join(stream)

    def restore(self, snapshot: bytes) -> None:
        """Put the workspace back as it was at ``snapshot``."""
        self.exec(f"find {WORKSPACE} -mindepth 1 -delete", timeout=120)
        if not self.container.put_archive(WORKSPACE, snapshot):
            raise SandboxError("could not restore the workspace")

    # -- lifetime ---------------------------------------------------------------------------
    def _check_open(self) -> None:
        if self._closed:
            raise SandboxError("the sandbox is closed")

    def _break(self, why: str) -> None:
        self.close()
        raise SandboxError(why)

    def close(self) -> None:
        """Remove the container and its workspace volume (idempotent)."""
        self._closed = True
        self._finalizer()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _remove(container: Any, volume: Any) -> None:
    for remove in (lambda: container.remove(force=True), lambda: volume.remove(force=True)):
        try:
            remove()
        except Exception:  # noqa: BLE001 - already gone, or the engine stopped first
            pass
