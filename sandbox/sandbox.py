"""A locked-down container to run an agent's commands in (DESIGN §2.8).

Defaults: no network, memory / CPU / process limits, the unprivileged ``agent`` user, a
read-only root filesystem with a writable ``/workspace`` (a Docker volume of its own) and
``/tmp`` (tmpfs), no capabilities, ``no-new-privileges``, an init process that reaps zombies,
and no host path mounted unless the caller names it. The container's own process (``sleep``)
runs as ``nobody``, so the agent can neither kill it nor be mistaken for it. The agent's
commands go to a command server in the container (:mod:`sandbox.command_server`: one exec kept
open, a few milliseconds a command instead of the engine's 50-60 ms exec set-up); other users'
commands, and every command where the image has no perl, take one ``docker exec`` each. A
command's time limit is enforced twice: inside (``timeout -k``) and outside (the wait is
abandoned and the container killed if it overruns by ``grace`` seconds; the sandbox is then
broken and says so).
Output is capped inside the container (:mod:`sandbox.capped`: the first ``max_output`` + 1
bytes of each stream are kept, the rest read and dropped, the exit status unchanged), so a
command printing gigabytes costs neither time nor memory here.

The workspace's start, which :meth:`Sandbox.diff` compares against, is a git commit that root
keeps outside the workspace, where the agent cannot change it (:mod:`sandbox.baseline`).

Nothing leaks: the container and its volume carry agentgym's labels; ``close()``, the context
manager, garbage collection and ``atexit`` remove them, and :func:`sandbox.engine.reap`
removes those of dead processes.
"""

from __future__ import annotations

import atexit
import io
import logging
import shlex
import tarfile
import threading
import time
import uuid
import weakref
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from agentgym.errors import AgentGymError
from sandbox import baseline
from sandbox.capped import capped_argv
from sandbox.command_server import CommandKilled, CommandServer, ServerGone
from sandbox.engine import client, own_labels
from sandbox.images import AGENT_UID, DEFAULT_TAG

WORKSPACE = "/workspace"
ROOT = "0:0"
NOBODY = "65534:65534"  # the container's own process: not the agent's user, not root
MAX_DIFF = 32 * 2**20  # bytes of a diff kept (a bigger one is cut, and a warning logged)
logger = logging.getLogger(__name__)


class SandboxError(AgentGymError, RuntimeError):
    """The sandbox cannot go on (its container died or a command overran its outside limit)."""


class SandboxArgumentError(AgentGymError, ValueError):
    """A sandbox was asked for something out of its bounds (a path outside the workspace, a bad workspace)."""


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
        user: the user commands run as (the image's ``agent`` by default). With ``root`` the
            baseline is no longer out of the agent's reach.
        workspace: the writable directory commands start in (its own volume; an image's files
            there are copied into it), e.g. ``/testbed`` for SWE-bench images.
    """

    def __init__(self, image: str = DEFAULT_TAG, *, memory: str | int = "1g", cpus: float = 1.0, pids: int = 256,
                 network: bool = False, mounts: dict[str, str] | None = None, max_output: int = 64 * 1024,
                 user: str = f"{AGENT_UID}:{AGENT_UID}", workspace: str = WORKSPACE) -> None:
        if not workspace.startswith("/") or ".." in PurePosixPath(workspace).parts or workspace.rstrip("/") in ("", "/tmp"):
            raise SandboxArgumentError(f"workspace must be an absolute path other than / and /tmp, got {workspace!r}")
        engine = client()
        self.max_output, self.user, self.workspace = max_output, user, workspace.rstrip("/")
        labels = own_labels()
        self.volume = engine.volumes.create(name=f"agentgym-ws-{uuid.uuid4().hex[:12]}", labels=labels)
        volumes = {self.volume.name: {"bind": self.workspace, "mode": "rw"}}
        for host, inside in (mounts or {}).items():
            volumes[str(Path(host).resolve())] = {"bind": inside, "mode": "ro"}
        try:
            self.container = engine.containers.run(
                image, ["sleep", "infinity"], detach=True, labels=labels, network_mode="bridge" if network else "none",
                mem_limit=_parse_memory(memory), memswap_limit=_parse_memory(memory), nano_cpus=int(cpus * 1e9),
                pids_limit=pids, user=NOBODY, read_only=True, tmpfs={"/tmp": "rw,exec,size=512m,mode=1777"},
                volumes=volumes, working_dir=self.workspace, init=True, cap_drop=["ALL"],
                security_opt=["no-new-privileges"],
            )
        except Exception:
            self.volume.remove(force=True)
            raise
        self._closed = False
        self._server: CommandServer | None = None
        self._serve_commands = True
        self._server_lock = threading.Lock()
        self._finalizer = weakref.finalize(self, _remove, self.container, self.volume)
        atexit.register(self._finalizer)
        self.exec(baseline.readable_script(self.workspace), timeout=60)
        started = self.exec(baseline.init_script(self.workspace), timeout=120, user=ROOT)
        if not started.ok:  # e.g. an image without git: commands work, diffs will not
            logger.warning("sandbox from %s: no record of the workspace's start, so no diff: %s", image,
                           started.stderr.strip()[-300:])

    # -- commands ---------------------------------------------------------------------------
    def exec(self, command: str, timeout: float = 60.0, workdir: str | None = None, grace: float = 10.0, *,
             user: str | None = None, max_output: int | None = None) -> ExecResult:
        """Run ``command`` with bash in ``workdir`` (the workspace by default) as ``user`` (the
        sandbox's by default); ``timed_out`` (exit code 124) past ``timeout``; each stream is
        kept up to ``max_output`` bytes (the sandbox's by default). Commands of the sandbox's
        user go through its command server when it has one (:mod:`sandbox.command_server`),
        others (and a second thread's, while one is running) through one ``docker exec`` each."""
        self._check_open()
        cap = self.max_output if max_output is None else max_output
        user, workdir = user or self.user, workdir or self.workspace
        if user == self.user and self._serve_commands and self._server_lock.acquire(blocking=False):
            try:
                result = self._serve(command, cap, timeout, grace, workdir)
            finally:
                self._server_lock.release()
            if result is not None:
                return result
        return self._run(capped_argv(command, cap + 1, timeout), timeout, grace, user, workdir, cap)

    def _serve(self, command: str, cap: int, timeout: float, grace: float, workdir: str) -> ExecResult | None:
        """Run a command through the command server (started on first use); None when this
        sandbox's image cannot have one (no perl), so the caller falls back to ``docker exec``."""
        fresh = self._server is None
        if fresh:
            try:
                self._server = CommandServer(self.container, self.user)
            except Exception as exc:  # noqa: BLE001 - the engine refused the exec (no perl?) or the container died
                return self._no_server(exc)
        start = time.perf_counter()
        try:
            code, stdout, stderr = self._server.run(command, cap + 1, timeout, workdir, timeout + grace)
        except ServerGone as exc:  # nothing ran: the server was killed since its last command, or cannot start
            self._stop_server()
            self._check_open()
            return self._no_server(exc) if fresh else self._serve(command, cap, timeout, grace, workdir)
        except CommandKilled:  # the command killed the server (kill -9 -1), or the container stopped
            self._stop_server()
            self._check_running()
            code, stdout, stderr = 137, b"", b""
        except TimeoutError:
            self._break("a command overran its time limit outside the container")
        return _result(code, stdout, stderr, time.perf_counter() - start, timeout, cap)

    def _no_server(self, why: Exception) -> None:
        """A new command server failed: the container is gone (broken sandbox) or the image
        cannot run one (no perl), and every command takes one ``docker exec`` from now on."""
        self._check_running()
        logger.info("sandbox %s: no command server (%s); one docker exec per command", self.container.short_id, why)
        self._serve_commands = False

    def _check_running(self) -> None:
        self._check_open()
        try:
            self.container.reload()
            status = self.container.status
        except Exception as exc:  # noqa: BLE001 - the container is gone
            status = f"gone ({exc})"
        if status != "running":
            self._break(f"the container failed: it is {status}")

    def _stop_server(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    def _run(self, argv: list[str], timeout: float, grace: float, user: str, workdir: str, cap: int) -> ExecResult:
        outcome: dict[str, Any] = {}

        def call() -> None:
            try:
                outcome["result"] = self.container.exec_run(argv, demux=True, user=user, workdir=workdir)
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
        return _result(int(code), stdout, stderr, duration, timeout, cap)

    def stop_processes(self) -> None:
        """Kill every process of the command user (background jobs the agent left running), so
        nothing changes the workspace behind an evaluation's back."""
        self._check_open()
        # kill -1 reaches every process this uid may signal but the caller and init: never the
        # container's own `sleep` (nobody's; root has no CAP_KILL here either). Run bare: the
        # capping wrapper's processes would be killed too.
        self._run(["bash", "-c", "kill -9 -1 2>/dev/null; exit 0"], 30.0, 10.0, self.user, "/", 1024)
        self._stop_server()  # killed too

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

    def copy_in(self, host_dir: str | Path, container_dir: str | None = None) -> None:
        """Copy the contents of a host directory into the container (the workspace by default;
        owned by the agent user)."""
        container_dir = container_dir or self.workspace
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
        target = PurePosixPath(path if path.startswith("/") else f"{self.workspace}/{path}")
        root = PurePosixPath(self.workspace).parts
        if ".." in target.parts or target.parts[: len(root)] != root or target.parts == root:
            raise SandboxArgumentError(f"path {path!r} is outside {self.workspace}: give a path in the workspace")
        return target

    # -- state ------------------------------------------------------------------------------
    def mark_start(self) -> None:
        """Make the current workspace the state :meth:`diff` compares against (files are made
        readable by all first: root, without capabilities, records them)."""
        self.exec(baseline.readable_script(self.workspace), timeout=120)
        result = self.exec(baseline.commit_script(self.workspace), timeout=300, user=ROOT)
        if not result.ok:
            raise SandboxError(f"could not record the workspace's start: {result.stderr.strip()[-500:]}")

    def _scratch(self, body: str, what: str, max_output: int | None = None, codes: tuple[int, ...] = (0,)) -> ExecResult:
        result = self.exec(baseline.scratch_script(self.workspace, body), timeout=300, max_output=max_output)
        if result.exit_code not in codes:
            raise SandboxError(f"{what} failed: {result.stderr.strip()[-500:]}")
        return result

    def state(self) -> str:
        """A fingerprint of the workspace's changes since its start (equal fingerprints: no change)."""
        return self._scratch(baseline.state_body(), "state").stdout.split()[0]

    def diff(self) -> str:
        """A unified diff (git format, new files included) of the workspace against its start;
        the repository's ``.gitignore`` holds. Cut at :data:`MAX_DIFF` bytes (logged)."""
        self.exec(baseline.owner_readable_script(self.workspace), timeout=120)
        result = self._scratch(baseline.diff_body(), "diff", max_output=MAX_DIFF)
        if result.stdout_truncated:
            logger.warning("the workspace diff is larger than %d bytes: cut", MAX_DIFF)
        return result.stdout

    def changes(self) -> dict[str, str]:
        """Every path changed since the start, files a ``.gitignore`` hides included: path -> ``A``
        (added), ``M`` (modified), ``D`` (deleted) or ``T`` (type changed)."""
        self.exec(baseline.owner_readable_script(self.workspace), timeout=120)
        fields = self._scratch(baseline.changes_body(), "listing the changes", max_output=MAX_DIFF).stdout.split("\0")
        return {path: status for status, path in zip(fields[0::2], fields[1::2]) if path}

    def start_content(self, path: str, max_bytes: int = 2**22) -> str | None:
        """The text of a workspace file (relative path) as it was at the start; None if it did not exist."""
        result = self._scratch(baseline.start_content_body(path), f"reading {path} at the start", max_output=max_bytes,
                               codes=(0, 3))
        return None if result.exit_code == 3 else result.stdout

    def apply_patch(self, patch: str) -> str | None:
        """Apply a git-format patch to the workspace; None when it applied, else git's reason."""
        name = f".agentgym-{uuid.uuid4().hex}.patch"
        self.write_file(name, patch)
        path = f"{self.workspace}/{name}"
        body = f"{baseline.apply_body(path)}\nstatus=$?\nrm -f {shlex.quote(path)}\nexit $status"
        result = self._scratch(body, "applying a patch", codes=tuple(range(256)))
        return None if result.ok else (result.stderr.strip() or f"git apply exited with {result.exit_code}")[-1000:]

    def restore_start(self, paths: list[str]) -> None:
        """Put workspace files (relative paths) back as they were at the start: files that
        existed are checked out again, files that did not are removed."""
        if paths:
            self._scratch(baseline.restore_body(self.workspace, paths), "restoring " + ", ".join(paths))

    def snapshot(self) -> bytes:
        """The workspace as a tar archive (restore it with :meth:`restore`)."""
        self._check_open()
        stream, _ = self.container.get_archive(self.workspace + "/.")
        return b"".join(stream)

    def restore(self, snapshot: bytes) -> None:
        """Put the workspace back as it was at ``snapshot``."""
        self.exec(f"find {shlex.quote(self.workspace)} -mindepth 1 -delete", timeout=120)
        if not self.container.put_archive(self.workspace, snapshot):
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
        self._stop_server()
        self._finalizer()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _result(code: int, stdout: bytes | None, stderr: bytes | None, duration: float, timeout: float,
            cap: int) -> ExecResult:
    out, out_cut = _cap(stdout, cap)
    err, err_cut = _cap(stderr, cap)
    return ExecResult(code, out, err, duration, timed_out=code in (124, 137) and duration >= timeout,
                      stdout_truncated=out_cut, stderr_truncated=err_cut)


def _cap(data: bytes | None, cap: int) -> tuple[str, bool]:
    data = data or b""
    return data[:cap].decode("utf-8", errors="replace"), len(data) > cap


def _remove(container: Any, volume: Any) -> None:
    for remove in (lambda: container.remove(force=True), lambda: volume.remove(force=True)):
        try:
            remove()
        except Exception:  # noqa: BLE001 - already gone, or the engine stopped first
            pass
