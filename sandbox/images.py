"""Base images built offline: a Debian ``debootstrap`` rootfs imported into the engine.

No registry is reachable on the machines agentgym targets, so ``docker pull`` is not an option.
:func:`build_base_image` runs ``debootstrap --variant=minbase`` with python3, pytest, git and
CA certificates from the Debian mirror the machine's own apt sources name, adds an unprivileged
``agent`` user (uid 1000) and ``/workspace``, and imports the tree with the docker SDK. The
rootfs tarball is cached (``agentgym.cache``, family ``images``), so a later build only imports
it (about 3 s instead of about a minute here), and an image already built from the same recipe
is reused at once. Needs root (debootstrap) the first time.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tarfile
from pathlib import Path

from agentgym.cache import cached_build, content_key
from sandbox.engine import client

BASE_PACKAGES = ("python3", "python3-pytest", "git", "ca-certificates", "patch")
DEFAULT_SUITE = "bookworm"
DEFAULT_TAG = "agentgym/base:bookworm"
AGENT_UID = 1000
ROOTFS = "rootfs.tar"
ROOTFS_LABEL = "agentgym.rootfs"


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
