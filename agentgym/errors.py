"""The agentgym exception hierarchy.

Every error agentgym raises on purpose derives from :class:`AgentGymError`, so callers can
catch "anything agentgym refused" in one place. Where a built-in exception type carries the
meaning better (a wrong argument type, a missing module), the agentgym error also derives from
it: ``except TypeError`` keeps working for code that does not know agentgym.
"""

from __future__ import annotations


class AgentGymError(Exception):
    """Base class of every error agentgym raises on purpose."""


class EnvIdError(AgentGymError, ValueError):
    """An environment id is malformed or not registered."""


class MissingDependencyError(AgentGymError, ImportError):
    """An optional dependency of the requested feature is not installed."""

    def __init__(self, what: str, module: str, extra: str | None) -> None:
        fix = f"pip install 'agentgym[{extra}]'" if extra else f"pip install {module}"
        super().__init__(f"{what} needs the Python package '{module}', which is not installed. Install it with: {fix}")
        self.module = module
        self.extra = extra
        self.fix = fix


class ResetNeededError(AgentGymError, RuntimeError):
    """``step`` was called before ``reset``, or after the episode ended."""


class EnvClosedError(AgentGymError, RuntimeError):
    """The environment was used after ``close()``."""


class EnvCheckError(AgentGymError, AssertionError):
    """An environment broke the text-env contract (raised by :func:`agentgym.check_env`)."""

    def __init__(self, env_name: str, failures: list[str]) -> None:
        lines = "\n".join(f"  - {failure}" for failure in failures)
        super().__init__(f"{env_name} failed {len(failures)} check(s):\n{lines}")
        self.failures = failures


class TaskSpaceError(AgentGymError, ValueError):
    """A task does not fit its task space (unknown parameter, value out of range)."""


class PolicyError(AgentGymError, ValueError):
    """A policy name cannot be resolved, or a policy cannot answer a request."""


class TrajectoryStoreError(AgentGymError):
    """A run directory or trajectory file cannot be read or written as asked."""


class ConfigError(AgentGymError, ValueError):
    """A run configuration is malformed (unknown key, wrong type, unreadable file)."""


class NonFiniteError(AgentGymError, ValueError, FloatingPointError):
    """A quantity that must be finite (returns, a loss, a gradient norm) is NaN or infinite.

    A ValueError for a bad input (NaN returns), a FloatingPointError for a computation that
    diverged; training stops on it."""
