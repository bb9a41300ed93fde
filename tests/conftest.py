"""Shared fixtures: keep the global env registry as each test found it; generated games go to
a temporary cache, not the user's."""

from __future__ import annotations

import os
import tempfile

import pytest

from agentgym.registry import registry


@pytest.fixture
def clean_registry():
    """Registrations made by the test are undone afterwards."""
    saved = registry.snapshot()
    yield registry
    registry.restore(saved)


os.environ.setdefault("AGENTGYM_CACHE", tempfile.mkdtemp(prefix="agentgym-test-cache-"))


@pytest.fixture(scope="module")
def module_cache(tmp_path_factory):
    """A cache root of the test module's own (so generation is observable), restored afterwards."""
    root = tmp_path_factory.mktemp("cache")
    previous = os.environ.get("AGENTGYM_CACHE")
    os.environ["AGENTGYM_CACHE"] = str(root)
    yield root
    if previous is None:
        os.environ.pop("AGENTGYM_CACHE")
    else:
        os.environ["AGENTGYM_CACHE"] = previous



@pytest.fixture(scope="module")
def docker_engine():
    """The docker SDK client; the test skips, saying why, when no engine answers."""
    pytest.importorskip("docker")
    from sandbox.engine import EngineUnavailable, client

    try:
        return client()
    except EngineUnavailable as exc:
        pytest.skip(str(exc))
