"""Task spaces: the named parameters a family generates tasks from (DESIGN §2.1).

A curriculum chooses tasks in a :class:`TaskSpace`: it samples them, encodes them as vectors
(for ALP-GMM and other teachers that work in R^d), decodes vectors back, and validates tasks
proposed from outside (an LLM curriculum, a config file). Encodings live in the unit cube:
a numeric parameter maps linearly to [0, 1], a choice to a one-hot block.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from agentgym.errors import TaskSpaceError


@dataclass(frozen=True)
class IntRange:
    """An integer parameter in ``[low, high]`` (both inclusive)."""

    low: int
    high: int
    default: int | None = None

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise TaskSpaceError(f"IntRange low {self.low} > high {self.high}")


@dataclass(frozen=True)
class FloatRange:
    """A real parameter in ``[low, high]``."""

    low: float
    high: float
    default: float | None = None

    def __post_init__(self) -> None:
        if not self.low <= self.high:
            raise TaskSpaceError(f"FloatRange low {self.low} > high {self.high}")


@dataclass(frozen=True)
class Choice:
    """A categorical parameter: one of ``options`` (strings, numbers or bools)."""

    options: tuple[Any, ...]
    default: Any = None

    def __post_init__(self) -> None:
        if not self.options:
            raise TaskSpaceError("Choice needs at least one option")
        object.__setattr__(self, "options", tuple(self.options))


Param = IntRange | FloatRange | Choice


class TaskSpace:
    """Named task parameters with sampling, validation and a unit-cube vector encoding.

    Example:
        >>> space = TaskSpace({"rooms": IntRange(2, 8), "goal": Choice(("brief", "detailed"))})
        >>> task = space.sample(np.random.default_rng(0))
        >>> space.decode(space.encode(task)) == task
        True
    """

    def __init__(self, params: Mapping[str, Param]) -> None:
        if not params:
            raise TaskSpaceError("a task space needs at least one parameter")
        self.params: dict[str, Param] = dict(params)

    @property
    def dim(self) -> int:
        """Length of an encoded task vector."""
        return sum(len(p.options) if isinstance(p, Choice) else 1 for p in self.params.values())

    def default(self) -> dict[str, Any]:
        """The default task: each parameter's default, else the low end / first option."""
        return {name: _default(p) for name, p in self.params.items()}

    def sample(self, rng: np.random.Generator) -> dict[str, Any]:
        """A task drawn uniformly from the space, using ``rng`` only."""
        task: dict[str, Any] = {}
        for name, p in self.params.items():
            if isinstance(p, IntRange):
                task[name] = int(rng.integers(p.low, p.high + 1))
            elif isinstance(p, FloatRange):
                task[name] = float(rng.uniform(p.low, p.high))
            else:
                task[name] = p.options[int(rng.integers(len(p.options)))]
        return task

    def validate(self, task: Mapping[str, Any], *, clip: bool = False) -> dict[str, Any]:
        """``task`` checked against the space, missing parameters filled with defaults.

        Args:
            task: parameter values by name.
            clip: clip out-of-range numbers to the bounds instead of refusing them.

        Raises:
            TaskSpaceError: unknown parameter, wrong type, value out of range (unless ``clip``),
                or an option that is not among the choices.
        """
        if not isinstance(task, Mapping):
            raise TaskSpaceError(f"a task must be a mapping of parameter values, got {type(task).__name__}")
        unknown = sorted(set(task) - set(self.params))
        if unknown:
            raise TaskSpaceError(f"unknown task parameter(s) {unknown}; this space has {sorted(self.params)}")
        out = self.default()
        for name, value in task.items():
            out[name] = _validate_value(name, self.params[name], value, clip)
        return out

    def encode(self, task: Mapping[str, Any]) -> np.ndarray:
        """The task as a float64 vector in [0, 1]^dim."""
        task = self.validate(task)
        parts: list[float] = []
        for name, p in self.params.items():
            if isinstance(p, Choice):
                parts += [1.0 if task[name] == option else 0.0 for option in p.options]
            else:
                span = p.high - p.low
                parts.append((task[name] - p.low) / span if span else 0.0)
        return np.asarray(parts, dtype=np.float64)

    def decode(self, vector: Sequence[float] | np.ndarray) -> dict[str, Any]:
        """The task nearest to ``vector`` (clipped to the cube, integers rounded, argmax of choices)."""
        vector = np.asarray(vector, dtype=np.float64)
        if vector.shape != (self.dim,):
            raise TaskSpaceError(f"expected a vector of length {self.dim}, got shape {vector.shape}")
        task: dict[str, Any] = {}
        i = 0
        for name, p in self.params.items():
            if isinstance(p, Choice):
                block = vector[i : i + len(p.options)]
                task[name] = p.options[int(np.argmax(block))]
                i += len(p.options)
                continue
            x = float(np.clip(vector[i], 0.0, 1.0))
            value = p.low + x * (p.high - p.low)
            task[name] = int(round(value)) if isinstance(p, IntRange) else float(value)
            i += 1
        return task

    def describe(self) -> dict[str, dict[str, Any]]:
        """A JSON-ready summary of the parameters (for LLM curricula and docs)."""
        out: dict[str, dict[str, Any]] = {}
        for name, p in self.params.items():
            if isinstance(p, Choice):
                out[name] = {"type": "choice", "options": list(p.options), "default": _default(p)}
            else:
                kind = "int" if isinstance(p, IntRange) else "float"
                out[name] = {"type": kind, "low": p.low, "high": p.high, "default": _default(p)}
        return out

    def __repr__(self) -> str:
        return f"TaskSpace({self.params!r})"


def _default(p: Param) -> Any:
    if p.default is not None:
        return p.default
    return p.options[0] if isinstance(p, Choice) else p.low


def _validate_value(name: str, p: Param, value: Any, clip: bool) -> Any:
    if isinstance(p, Choice):
        if value not in p.options:
            raise TaskSpaceError(f"task parameter {name!r} must be one of {list(p.options)}, got {value!r}")
        return p.options[p.options.index(value)]
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TaskSpaceError(f"task parameter {name!r} must be a number, got {type(value).__name__}: {value!r}")
    if math.isnan(float(value)):
        raise TaskSpaceError(f"task parameter {name!r} must be a number, got NaN")
    if isinstance(p, IntRange) and float(value) != math.floor(float(value)):
        raise TaskSpaceError(f"task parameter {name!r} must be an integer, got {value!r}")
    if not p.low <= value <= p.high:
        if not clip:
            raise TaskSpaceError(f"task parameter {name!r} must be in [{p.low}, {p.high}], got {value!r}")
        value = min(max(value, p.low), p.high)
    return int(value) if isinstance(p, IntRange) else float(value)
