"""An evaluation's ``manifest.json``: what was run, with what, where — and the check that a
directory holds the run one means to continue.

The manifest records the run (:meth:`agentgym.eval.config.EvalConfig.identity`: the resolved
envs with their constructor arguments and seeds, the policy and its settings, sampling), and
the provenance a reader of the results needs: agentgym's version, the versions of the env
packages, the model, Python, the platform, the git commit of agentgym's source tree when it is
a checkout, and one entry per session (a resumed run has several).
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from agentgym.errors import ConfigError
from agentgym.version import __version__

MANIFEST = "manifest.json"
MANIFEST_FORMAT = 1


def new_manifest(run: dict[str, Any], *, suite: str, policy: Any, env_versions: dict[str, str], seeds: list[int]) -> dict[str, Any]:
    """The manifest of a run starting now; ``envs`` lists each env with the reset seeds it plays."""
    return {
        "kind": "eval",
        "format": MANIFEST_FORMAT,
        "suite": suite,
        "policy": run["policy"],
        "model": _model_name(policy),
        "envs": [{**entry, "seeds": seeds} for entry in run["entries"]],
        "sampling": run["sampling"],
        "run": run,
        "agentgym_version": __version__,
        "env_versions": env_versions,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "git_commit": git_commit(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "sessions": [],
    }


def read_manifest(out_dir: Path) -> dict[str, Any] | None:
    """The manifest in ``out_dir``, or None when there is none."""
    path = out_dir / MANIFEST
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except ValueError as exc:
        raise ConfigError(f"{path} is not valid JSON ({exc}); it was not written by agentgym eval") from None


def write_manifest(out_dir: Path, manifest: dict[str, Any]) -> None:
    """Write atomically (a temporary file renamed into place)."""
    tmp = out_dir / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n")
    tmp.replace(out_dir / MANIFEST)


def check_same_run(out_dir: Path, recorded: dict[str, Any], run: dict[str, Any]) -> None:
    """Refuse to continue ``recorded`` with a different ``run``, naming the keys that differ."""
    if recorded.get("kind") != "eval" or "run" not in recorded:
        raise ConfigError(f"{out_dir} holds something other than an agentgym eval run; choose another --out")
    differing = sorted(k for k in set(run) | set(recorded["run"]) if run.get(k) != recorded["run"].get(k))
    if differing:
        details = "; ".join(f"{k}: recorded {recorded['run'].get(k)!r}, now {run.get(k)!r}" for k in differing)
        raise ConfigError(f"{out_dir} holds a different run ({details:.600}); resume it with the same settings, "
                          "or choose another --out (nothing was changed)")


def git_commit() -> str | None:
    """The commit of agentgym's source tree, when it is a git checkout (None otherwise)."""
    source = Path(__file__).resolve().parents[2]
    if not (source / ".git").exists():
        return None
    try:
        result = subprocess.run(["git", "-C", str(source), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None if result.returncode == 0 else None


def _model_name(policy: Any) -> str | None:
    """The model an API policy names, or what follows ``kind:`` in the policy's name (a checkpoint)."""
    model = getattr(policy, "model", None)
    if isinstance(model, str):
        return model
    return str(getattr(policy, "name", "")).partition(":")[2] or None


def session_record(argv: list[str] | None = None) -> dict[str, Any]:
    """One session of the run: when it started and the command line."""
    return {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "argv": list(sys.argv if argv is None else argv)}
