"""Lazy imports of optional dependencies.

agentgym's core imports nothing heavy at import time. A module that needs an optional package
calls :func:`require` where it needs it; a missing package then raises one clear
:class:`~agentgym.errors.MissingDependencyError` naming the extra that installs it.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
from collections.abc import Iterable
from types import ModuleType

from agentgym.errors import MissingDependencyError


def is_installed(module: str) -> bool:
    """Whether ``module`` can be imported, without importing it (only its parent packages)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def require(module: str, *, extra: str | None, what: str | None = None) -> ModuleType:
    """Import and return ``module``, or raise an error that names the extra installing it.

    Args:
        module: dotted module name, e.g. ``"textworld.gym"``.
        extra: the agentgym extra providing it (``"textworld"`` → ``pip install 'agentgym[textworld]'``).
        what: the feature needing it, for the message (defaults to the module name).

    Raises:
        MissingDependencyError: the module (or its top-level package) is not installed.
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        top = module.split(".")[0]
        # Only a missing package of our own request is a missing dependency; a broken
        # install that fails on one of *its* imports must surface as the real error.
        if exc.name is not None and exc.name.split(".")[0] != top:
            raise
        raise MissingDependencyError(what or module, top, extra) from exc


def load_attr(target: str):
    """Resolve a ``"package.module:attr"`` string (``attr`` may be dotted) to the object it names."""
    module_name, sep, attr = target.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(f"expected 'module:attr', got {target!r}")
    obj = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def package_versions(modules: Iterable[str]) -> dict[str, str]:
    """Installed versions of the distributions providing ``modules`` (missing ones left out)."""
    providers = importlib.metadata.packages_distributions()
    versions: dict[str, str] = {}
    for module in modules:
        top = module.split(".")[0]
        for dist in providers.get(top, [top]):
            try:
                versions[dist] = importlib.metadata.version(dist)
            except importlib.metadata.PackageNotFoundError:
                continue
    return versions
