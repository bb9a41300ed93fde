"""Shared fixtures: keep the global env registry as each test found it."""

from __future__ import annotations

import pytest

from agentgym.registry import registry


@pytest.fixture
def clean_registry():
    """Registrations made by the test are undone afterwards."""
    saved = registry.snapshot()
    yield registry
    registry.restore(saved)
