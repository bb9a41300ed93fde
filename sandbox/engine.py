"""The Docker engine agentgym talks to, and the labels that keep its containers accounted for.

The engine is the one the ``docker`` SDK finds: ``DOCKER_HOST``, else the default socket.
``sandbox/scripts/docker-engine start`` starts one where none answers (CI does this).

Every container agentgym starts carries :data:`LABEL` plus the host name and the process id
of its creator; :func:`reap` removes those whose creator process is gone (a crashed run), and
each sandbox removes its own on ``close()``, at exit, or when garbage-collected.
"""

from __future__ import annotations

import functools
import os
import socket
from typing import Any

from agentgym.deps import require
from agentgym.errors import AgentGymError

LABEL = "agentgym.sandbox"
PID_LABEL = "agentgym.pid"
HOST_LABEL = "agentgym.host"


class EngineUnavailable(AgentGymError, RuntimeError):
    """No Docker engine answers (or the docker SDK is missing); the CLI prints it as one line."""


@functools.cache
def client() -> Any:
    """A docker SDK client for the engine (cached per process)."""
    docker = require("docker", extra="swe", what="the Docker sandbox")
    try:
        engine = docker.from_env(timeout=120)
        engine.ping()
    except Exception as exc:  # noqa: BLE001 - any failure means: no engine here
        where = os.environ.get("DOCKER_HOST") or "the default socket"
        raise EngineUnavailable(f"no Docker engine answers at {where} ({type(exc).__name__}); start one with "
                                "`eval \"$(sandbox/scripts/docker-engine start)\"` or point DOCKER_HOST at one") from None
    return engine


def own_labels() -> dict[str, str]:
    """The labels of containers this process starts."""
    return {LABEL: "1", PID_LABEL: str(os.getpid()), HOST_LABEL: socket.gethostname()}


def reap() -> int:
    """Remove agentgym containers (and volumes) of this host whose creator process is dead; returns how many."""
    engine = client()
    host = socket.gethostname()

    def orphaned(labels: dict[str, str] | None) -> bool:
        labels = labels or {}
        return labels.get(HOST_LABEL) == host and not _alive(int(labels.get(PID_LABEL, "0")))

    removed = 0
    for container in engine.containers.list(all=True, filters={"label": LABEL}):
        if orphaned(container.labels):
            removed += _removed(container)
    for volume in engine.volumes.list(filters={"label": LABEL}):
        if orphaned(volume.attrs.get("Labels")):
            removed += _removed(volume)
    return removed


def _removed(item: Any) -> int:
    try:
        item.remove(force=True)
        return 1
    except Exception:  # noqa: BLE001 - already gone, or (a volume) still in use
        return 0


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
