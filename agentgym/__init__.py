"""agentgym: a gym for training and benchmarking LLM agents on multi-turn text tasks.

The public API, importable from here::

    import agentgym
    env = agentgym.make("toy/keys-v0")
    agentgym.check_env(env)

Heavier parts (the trajectory store, the checker) load on first use, so ``import agentgym``
stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

from agentgym.env import TextEnv, TextSpace
from agentgym.errors import (
    AgentGymError,
    ConfigError,
    EnvCheckError,
    EnvClosedError,
    EnvIdError,
    MissingDependencyError,
    PolicyError,
    ResetNeededError,
    TaskSpaceError,
    TrajectoryStoreError,
)
from agentgym.info import INFO_KEYS
from agentgym.policy import Generation, Policy, Request, SamplingParams, make_policy, register_policy
from agentgym.registry import EnvSpec, list_envs, make, register, spec
from agentgym.task_space import Choice, FloatRange, IntRange, TaskSpace
from agentgym.version import __version__

_LAZY = {
    "check_env": "agentgym.checker",
    "Episode": "agentgym.trajectory",
    "Turn": "agentgym.trajectory",
    "TrajectoryWriter": "agentgym.trajectory",
    "read_episodes": "agentgym.trajectory",
}

__all__ = [
    "INFO_KEYS",
    "AgentGymError",
    "Choice",
    "ConfigError",
    "EnvCheckError",
    "EnvClosedError",
    "EnvIdError",
    "EnvSpec",
    "FloatRange",
    "Generation",
    "IntRange",
    "MissingDependencyError",
    "Policy",
    "PolicyError",
    "Request",
    "ResetNeededError",
    "SamplingParams",
    "TaskSpace",
    "TaskSpaceError",
    "TextEnv",
    "TextSpace",
    "TrajectoryStoreError",
    "__version__",
    "list_envs",
    "make",
    "make_policy",
    "register",
    "register_policy",
    "spec",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'agentgym' has no attribute {name!r}")
