"""``agentgym doctor``: what this machine can run, and the command that fixes each problem.

Required: Python >= 3.10 and the core packages. Everything else (torch, a GPU, Java, a Docker
engine, each environment family) is optional unless named with ``--require``; the exit code is
1 when something required is missing, else 0.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from agentgym.deps import is_installed, package_versions
from agentgym.registry import registry


@dataclass
class Finding:
    """The outcome of one check."""

    name: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = False


@dataclass(frozen=True)
class Family:
    """What an environment family needs: Python modules, its extra, and a runtime check."""

    modules: tuple[str, ...]
    extra: str
    runtime: Callable[[], Finding] | None = None


CORE_MODULES = ("gymnasium", "numpy", "pyarrow", "rich", "typer", "filelock", "platformdirs")


def check_python() -> Finding:
    ok = sys.version_info >= (3, 10)
    return Finding("python", ok, sys.version.split()[0], "" if ok else "use Python 3.10 or newer", required=True)


def check_core() -> Finding:
    missing = [m for m in CORE_MODULES if not is_installed(m)]
    if missing:
        return Finding("core packages", False, f"missing {', '.join(missing)}", "pip install --force-reinstall agentgym", True)
    versions = package_versions(["gymnasium", "numpy", "pyarrow"])
    return Finding("core packages", True, ", ".join(f"{k} {v}" for k, v in versions.items()), required=True)


def check_torch() -> Finding:
    if not is_installed("torch"):
        return Finding("torch", False, "not installed (needed to train)", "pip install torch==2.13.0  # CPU build")
    return Finding("torch", True, package_versions(["torch"]).get("torch", "installed"))


def check_gpu() -> Finding:
    if is_installed("torch"):
        import torch

        if torch.cuda.is_available():
            return Finding("gpu", True, f"{torch.cuda.device_count()} x {torch.cuda.get_device_name(0)}")
    elif shutil.which("nvidia-smi"):
        return Finding("gpu", True, "nvidia-smi found (torch not installed to confirm CUDA)")
    return Finding("gpu", False, "no CUDA GPU (vLLM and GPU training unavailable; CPU training works)", "")


def check_vllm() -> Finding:
    """Whether the ``vllm`` policy could start: the package (not imported: that takes seconds)
    and a CUDA GPU, which it needs."""
    if not is_installed("vllm"):
        return Finding("vllm", False, "not installed (the vllm policy and model.rollout = \"vllm\"; CUDA only)",
                       "on a CUDA machine: make test-gpu (its own venv), or pip install 'agentgym[vllm]'")
    version = package_versions(["vllm"]).get("vllm", "installed")
    gpu = check_gpu()
    return Finding("vllm", gpu.ok, version if gpu.ok else f"{version}, but {gpu.detail}")


@functools.cache  # also the ScienceWorld family's runtime check: run the JVM once
def check_java() -> Finding:
    java = shutil.which("java")
    if java is None:
        return Finding("java", False, "not found (ScienceWorld needs it)", "apt-get install -y openjdk-17-jre-headless")
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Finding("java", False, f"{java} does not run: {exc}", "apt-get install -y openjdk-17-jre-headless")
    match = re.search(r'version "([^"]+)"', out.stderr + out.stdout)
    return Finding("java", True, f"{match.group(1) if match else 'unknown version'} ({java})")


@functools.cache  # also the SWE family's runtime check
def check_docker() -> Finding:
    if not is_installed("docker"):
        return Finding("docker", False, "docker SDK not installed (SWE tasks need it)", "pip install 'agentgym[swe]'")
    import docker

    try:
        client = docker.from_env(timeout=5)
        version = client.version().get("Version", "?")
        client.close()
    except Exception as exc:  # noqa: BLE001 - any failure means "no engine answers"
        where = os.environ.get("DOCKER_HOST", "the default socket")
        return Finding("docker", False, f"no engine answers at {where}: {type(exc).__name__}",
                       "start a Docker engine (dockerd) or point DOCKER_HOST at one")
    return Finding("docker", True, f"engine {version}")


def _alfworld_data() -> Finding:
    path = os.environ.get("ALFWORLD_DATA")
    if path and os.path.isdir(path):
        return Finding("alfworld data", True, f"ALFWORLD_DATA={path}")
    return Finding("alfworld data", True, "no official data (ALFWORLD_DATA unset): generated tasks only")


FAMILIES: dict[str, Family] = {
    "textworld": Family(("textworld",), "textworld"),
    "alfworld": Family(("alfworld", "textworld"), "alfworld", _alfworld_data),
    "scienceworld": Family(("scienceworld",), "scienceworld", check_java),
    "nethack": Family(("nle",), "nethack"),
    "swe": Family(("docker",), "swe", check_docker),
}
SYSTEM_CHECKS: dict[str, Callable[[], Finding]] = {"torch": check_torch, "gpu": check_gpu, "vllm": check_vllm, "java": check_java,
                                                   "docker": check_docker}
REQUIRABLE = tuple(SYSTEM_CHECKS) + tuple(FAMILIES)


def check_family(name: str, family: Family) -> Finding:
    fix = f"pip install 'agentgym[{family.extra}]'"
    missing = [m for m in family.modules if not is_installed(m)]
    if missing:
        return Finding(name, False, f"not installed ({', '.join(missing)})", fix)
    for module in family.modules:  # installed is not enough: a broken build fails on import
        try:
            importlib.import_module(module)
        except Exception as exc:  # noqa: BLE001 - any import failure is the finding
            return Finding(name, False, f"{module} fails to import: {type(exc).__name__}: {exc}", f"pip install --force-reinstall 'agentgym[{family.extra}]'")
    versions = ", ".join(f"{k} {v}" for k, v in package_versions(family.modules).items())
    if family.runtime is not None:
        runtime = family.runtime()
        if not runtime.ok:
            return Finding(name, False, f"{versions}; {runtime.detail}", runtime.fix)
        versions = f"{versions}; {runtime.detail}"
    return Finding(name, True, versions)


def run_checks(required: set[str]) -> list[Finding]:
    """Every check, with ``required`` names (from :data:`REQUIRABLE`) marked as required."""
    findings = [check_python(), check_core()]
    findings += [check() for check in SYSTEM_CHECKS.values()]
    findings += [check_family(name, family) for name, family in FAMILIES.items()]
    registry.discover()
    findings += [Finding(f"plugin {name}", False, error, "fix or uninstall the plugin") for name, error in registry.plugin_errors.items()]
    return [dataclasses.replace(f, required=f.required or f.name in required) for f in findings]


def doctor_command(
    require: Optional[str] = typer.Option(
        None, "--require", help=f"Comma-separated checks that must pass: {', '.join(REQUIRABLE)}."
    ),
) -> None:
    """Check Python, torch, GPU, vLLM, Java, Docker and every environment family; print fixes."""
    required = {name.strip() for name in (require or "").split(",") if name.strip()}
    unknown = sorted(required - set(REQUIRABLE))
    if unknown:
        raise typer.BadParameter(f"unknown check(s) {unknown}; choose from {', '.join(REQUIRABLE)}", param_hint="--require")
    findings = run_checks(required)
    table = Table(title="agentgym doctor")
    for column in ("check", "status", "detail", "fix"):
        table.add_column(column)
    for f in findings:
        status = "[green]ok[/]" if f.ok else ("[bold red]MISSING[/]" if f.required else "[yellow]missing[/]")
        table.add_row(escape(f.name), status, escape(f.detail), escape(f.fix))
    Console().print(table)
    failed = [f.name for f in findings if f.required and not f.ok]
    if failed:
        Console(stderr=True).print(f"[bold red]required but missing:[/] {escape(', '.join(failed))}")
        raise typer.Exit(1)
