"""Base images built offline: a Debian ``debootstrap`` rootfs imported into the engine.

No registry is reachable on the machines agentgym targets, so ``docker pull`` is not an option.
:func:`build_base_image` runs ``debootstrap --variant=minbase`` with python3, pytest, git and
CA certificates from the Debian mirror the machine's own apt sources name, adds an unprivileged
``agent`` user (uid 1000) and ``/workspace``, and imports the tree with the docker SDK. The
rootfs tarball is cached (``agentgym.cache``, family ``images``), so a later build only imports
it (about 3 s instead of about a minute here), and an image already built from the same recipe
is reused at once. Needs root (debootstrap) the first time.

Task images (:func:`build_task_image`) layer a task's repository and its ``setup`` commands on
the local base image, offline: a build container from the base image receives the files and
runs the commands (no network), and is committed. The tag names the content (base image id,
files, commands, working directory), so a changed task gets a new image and an unchanged one is
reused; :func:`task_image` says whether it has been built.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any, Protocol

from agentgym.cache import cached_build, content_key
from agentgym.errors import AgentGymError
from sandbox.engine import client, own_labels

BASE_PACKAGES = ("python3", "python3-pytest", "git", "ca-certificates", "patch")
DEFAULT_SUITE = "bookworm"
DEFAULT_TAG = "agentgym/base:bookworm"
AGENT_UID = 1000
ROOTFS = "rootfs.tar"
ROOTFS_LABEL = "agentgym.rootfs"
TASK_REPOSITORY = "agentgym/task"
TASK_LABEL = "agentgym.task"


class ImageBuildError(AgentGymError, RuntimeError):
    """An image could not be built (a setup command failed; the message has its output)."""


class TaskRecipe(Protocol):
    """What a task image is built from (an :class:`environments.swe.tasks.SWETask` is one)."""

    instance_id: str
    setup: tuple[str, ...]
    workdir: str


def apt_mirror(suite: str = DEFAULT_SUITE, sources: tuple[str, ...] = ("/etc/apt/sources.list", "/etc/apt/sources.list.d")) -> str:
    """The Debian mirror the apt sources use for ``suite`` (one-line and deb822 formats)."""
    files: list[Path] = []
    for source in map(Path, sources):
        files += sorted(source.glob("*.list")) + sorted(source.glob("*.sources")) if source.is_dir() else [source]
    for path in files:
        if not path.is_file():
            continue
        text = path.read_text(errors="replace")
        for line in text.splitlines():  # deb [options] URI suite components
            match = re.match(r"^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)", line)
            if match and match.group(2) == suite:
                return match.group(1)
        for stanza in re.split(r"\n\s*\n", text):  # deb822
            fields = dict(re.findall(r"^(\w[\w-]*):\s*(.*)$", stanza, re.M))
            if "deb" in fields.get("Types", "").split() and suite in fields.get("Suites", "").split():
                return fields["URIs"].split()[0]
    raise RuntimeError(f"no apt source names the Debian suite {suite!r}; pass mirror= explicitly")


def build_base_image(tag: str = DEFAULT_TAG, suite: str = DEFAULT_SUITE, mirror: str | None = None,
                     packages: tuple[str, ...] = BASE_PACKAGES) -> str:
    """Build (or reuse) the base image ``tag``; returns its id.

    An image ``tag`` already in the engine and built from the same recipe (its
    ``agentgym.rootfs`` label) is reused as it is.
    """
    engine = client()
    key = content_key(suite, {"packages": sorted(packages), "uid": AGENT_UID}, {"builder": "1"})
    try:
        existing = engine.images.get(tag)
        if existing.labels.get(ROOTFS_LABEL) == key:
            return existing.id
    except Exception:  # noqa: BLE001 - not there (docker.errors.ImageNotFound): build it
        pass
    directory = cached_build("images", key, lambda d: _debootstrap(d, suite, mirror or apt_mirror(suite), packages), _is_valid)
    repository, _, version = tag.partition(":")
    engine.api.import_image_from_file(str(directory / ROOTFS), repository=repository, tag=version or "latest",
                                      changes=[f"LABEL {ROOTFS_LABEL}={key}", f"USER {AGENT_UID}:{AGENT_UID}", "WORKDIR /workspace",
                                               "ENV LANG=C.UTF-8 PYTHONDONTWRITEBYTECODE=1", 'CMD ["sleep", "infinity"]'])
    return engine.images.get(tag).id


def _debootstrap(directory: Path, suite: str, mirror: str, packages: tuple[str, ...]) -> None:
    if shutil.which("debootstrap") is None:
        raise RuntimeError("building the base image needs debootstrap (apt-get install debootstrap)")
    root = directory / "root"
    subprocess.run(["debootstrap", "--variant=minbase", f"--include={','.join(packages)}", suite, str(root), mirror],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with open(root / "etc/passwd", "a") as passwd:
        passwd.write(f"agent:x:{AGENT_UID}:{AGENT_UID}:agent:/workspace:/bin/bash\n")
    with open(root / "etc/group", "a") as group:
        group.write(f"agent:x:{AGENT_UID}:\n")
    (root / "workspace").mkdir(exist_ok=True)
    shutil.chown(root / "workspace", AGENT_UID, AGENT_UID)
    for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):
        for item in (root / cache).glob("*.deb"):
            item.unlink()
    with tarfile.open(directory / ROOTFS, "w") as tar:
        tar.add(root, arcname=".")
    shutil.rmtree(root)


def _is_valid(directory: Path) -> bool:
    try:
        return (directory / ROOTFS).stat().st_size > 10_000_000
    except OSError:
        return False


def task_image_tag(task: TaskRecipe, repo_dir: str | Path | None = None, base: str = DEFAULT_TAG) -> str:
    """The tag of ``task``'s image: ``agentgym/task:<instance>-<hash of the content>``.

    Raises:
        docker.errors.ImageNotFound: the base image is not in the engine.
    """
    digest = hashlib.sha256()
    for part in (client().images.get(base).id, task.workdir, *task.setup, "\0files"):
        digest.update(part.encode() + b"\0")
    if repo_dir is not None:
        root = Path(repo_dir)
        for item in sorted(root.rglob("*")):
            digest.update(f"{item.relative_to(root).as_posix()}\0{item.stat().st_mode & 0o777:o}\0".encode())
            if item.is_file():
                digest.update(hashlib.sha256(item.read_bytes()).digest())
    name = re.sub(r"[^a-z0-9_.-]+", "-", task.instance_id.lower()).strip("-.")[:80] or "task"
    return f"{TASK_REPOSITORY}:{name}-{digest.hexdigest()[:16]}"


def task_image(task: TaskRecipe, repo_dir: str | Path | None = None, base: str = DEFAULT_TAG) -> str | None:
    """``task``'s image tag if it has been built (for this content and base image), else None."""
    try:
        tag = task_image_tag(task, repo_dir, base)
        client().images.get(tag)
    except Exception:  # noqa: BLE001 - no base image or no task image (docker.errors.ImageNotFound)
        return None
    return tag


def build_task_image(task: TaskRecipe, repo_dir: str | Path | None = None, base: str = DEFAULT_TAG,
                     setup_timeout: float = 1800.0) -> str:
    """Build (or reuse) the image of ``task``: ``base`` with the files of ``repo_dir`` and the
    effect of ``task.setup`` (run as the agent user, no network) in ``task.workdir``; returns its tag.

    Raises:
        ImageBuildError: a setup command failed.
    """
    engine = client()
    if base == DEFAULT_TAG:
        build_base_image()
    tag = task_image_tag(task, repo_dir, base)
    if task_image(task, repo_dir, base) is not None:
        return tag
    user = f"{AGENT_UID}:{AGENT_UID}"
    # A root container with Docker's default capabilities (root must create and hand over the
    # working directory; a non-root container's execs get no capabilities even as root); the
    # setup commands run as the agent user, with no way to gain privileges and no network.
    builder = engine.containers.run(base, ["sleep", "infinity"], detach=True, labels=own_labels(), network_mode="none",
                                    user="0:0", working_dir="/", init=True, security_opt=["no-new-privileges"])
    try:
        _run(builder, f"mkdir -p {_quote(task.workdir)} && chown {user} {_quote(task.workdir)}", "0:0", "/", 60)
        if repo_dir is not None:
            builder.put_archive(task.workdir, _tar(Path(repo_dir)))
        for command in task.setup:
            _run(builder, command, user, task.workdir, setup_timeout)
        repository, _, version = tag.partition(":")
        builder.commit(repository=repository, tag=version, changes=[f"LABEL {TASK_LABEL}={task.instance_id}",
                                                                     f"WORKDIR {task.workdir}", f"USER {user}"])
    finally:
        builder.remove(force=True)
    return tag


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _run(container: Any, command: str, user: str, workdir: str, timeout: float) -> None:
    code, output = container.exec_run(["timeout", "-k", "5", f"{timeout:g}", "bash", "-c", command], user=user,
                                      workdir=workdir)
    if code != 0:
        text = (output or b"").decode("utf-8", errors="replace")[-1000:]
        raise ImageBuildError(f"building a task image: `{command}` failed (exit code {code}): {text}")


def _tar(root: Path) -> bytes:
    """``root``'s files as a tar archive owned by the agent user."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for item in sorted(root.rglob("*")):
            info = tar.gettarinfo(str(item), arcname=item.relative_to(root).as_posix())
            info.uid = info.gid = AGENT_UID
            info.uname = info.gname = "agent"
            if item.is_file():
                with open(item, "rb") as handle:
                    tar.addfile(info, handle)
            else:
                tar.addfile(info)
    return buffer.getvalue()
