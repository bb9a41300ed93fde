"""What every task sampler (curriculum) provides, and the checks they share.

A task sampler chooses the tasks a learner trains on, from a :class:`~agentgym.task_space.TaskSpace`:

* ``sample() -> dict``: the next task (parameter values by name);
* ``update(task, result)``: how the learner did on ``task`` (a finite float, higher is better:
  in the trainer, the mean success or return of the task's group of episodes);
* ``state_dict()`` / ``load_state_dict(state)``: everything the sampler's future depends on
  (its RNG included) as JSON-ready data, so a checkpointed run resumes sampling exactly;
* ``metrics()``: numbers to log (counters are cumulative).

Randomness comes only from the ``numpy.random.Generator`` a sampler is given.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from agentgym.errors import NonFiniteError, TaskSpaceError
from agentgym.task_space import Choice, FloatRange, IntRange, TaskSpace


class TaskSampler(ABC):
    """Base class of the samplers; see the module docstring for the protocol."""

    name: str = ""

    def __init__(self, space: TaskSpace, rng: np.random.Generator) -> None:
        check_space(space)
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"a task sampler needs a numpy.random.Generator, got {type(rng).__name__}")
        self.space = space
        self.rng = rng
        self.updates = 0

    @abstractmethod
    def sample(self) -> dict[str, Any]:
        """The next task."""

    def update(self, task: Mapping[str, Any], result: float) -> None:
        """Record the learner's ``result`` on ``task``."""
        self._record(self.space.validate(task), check_result(result, task))
        self.updates += 1

    def _record(self, task: dict[str, Any], result: float) -> None:  # noqa: B027 - optional hook
        """What a sampler learns from one (checked) result."""

    def state_dict(self) -> dict[str, Any]:
        return {"name": self.name, "rng": rng_state(self.rng), "updates": self.updates}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        if state.get("name") != self.name:
            raise ValueError(f"this state is a {state.get('name')!r} sampler's, not a {self.name!r} sampler's")
        set_rng_state(self.rng, state["rng"])
        self.updates = int(state["updates"])

    def metrics(self) -> dict[str, float]:
        return {"updates": float(self.updates)}


def check_space(space: TaskSpace) -> None:
    """Refuse a space a curriculum cannot choose in.

    Raises:
        TaskSpaceError: not a TaskSpace, a numeric parameter with zero-width bounds
            (``low == high``: nothing to choose, and a zero-variance coordinate for ALP-GMM),
            or a choice with no options.
    """
    if not isinstance(space, TaskSpace):
        raise TaskSpaceError(f"a task sampler needs a TaskSpace, got {type(space).__name__}")
    for name, param in space.params.items():
        if isinstance(param, (IntRange, FloatRange)) and param.low == param.high:
            raise TaskSpaceError(f"task parameter {name!r} has zero-width bounds [{param.low}, {param.high}]: a curriculum "
                                 "has nothing to choose there. Widen its bounds, or leave it out of the curriculum's space "
                                 "(curriculum.space) and fix its value in the env's kwargs")
        if isinstance(param, Choice) and not param.options:
            raise TaskSpaceError(f"task parameter {name!r} has no options to choose from; give it at least one")


def check_result(result: Any, task: Any = None) -> float:
    """``result`` as a finite float.

    Raises:
        NonFiniteError: NaN or infinite (a broken reward would steer the curriculum silently).
        TypeError: not a real number.
    """
    if isinstance(result, bool) or not isinstance(result, (int, float, np.integer, np.floating)):
        raise TypeError(f"a curriculum result must be a real number, got {type(result).__name__}: {result!r}")
    value = float(result)
    if not math.isfinite(value):
        raise NonFiniteError(f"the curriculum got a result of {value} for task {dict(task) if task else task}: results "
                             "must be finite (check the env's rewards, or use curriculum.result = \"success\")")
    return value


def restrict_space(space: TaskSpace, bounds: Mapping[str, Sequence[Any]]) -> TaskSpace:
    """The part of ``space`` a curriculum chooses in: only the parameters named in ``bounds``,
    each with narrower bounds (``[low, high]``) or a subset of its options; an empty ``bounds``
    is the whole space. Parameters left out keep the env's own value.

    Raises:
        TaskSpaceError: an unknown parameter, bounds that are not ``[low, high]`` inside the
            env's, options that are not the env's, an empty list, zero-width bounds.
    """
    if not bounds:
        check_space(space)
        return space
    unknown = sorted(set(bounds) - set(space.params))
    if unknown:
        raise TaskSpaceError(f"curriculum.space names unknown task parameter(s) {unknown}; this env's task space has "
                             f"{sorted(space.params)}")
    params: dict[str, IntRange | FloatRange | Choice] = {}
    for name, value in bounds.items():
        param = space.params[name]
        if not isinstance(value, (list, tuple)) or not value:
            raise TaskSpaceError(f"curriculum.space.{name} must be a non-empty list ([low, high], or options), got {value!r}")
        if isinstance(param, Choice):
            bad = [v for v in value if v not in param.options]
            if bad:
                raise TaskSpaceError(f"curriculum.space.{name}: {bad} are not options of {name!r} ({list(param.options)})")
            options = tuple(param.options[param.options.index(v)] for v in value)
            params[name] = Choice(options, default=param.default if param.default in options else None)
            continue
        if len(value) != 2:
            raise TaskSpaceError(f"curriculum.space.{name} must be [low, high], got {value!r}")
        try:
            low, high = (space.validate({name: v})[name] for v in value)  # inside the env's bounds, right type
        except TaskSpaceError as exc:
            raise TaskSpaceError(f"curriculum.space.{name}: {exc}") from None
        if low > high:
            raise TaskSpaceError(f"curriculum.space.{name}: low {low} > high {high}")
        default = param.default if param.default is not None and low <= param.default <= high else None
        params[name] = type(param)(low, high, default=default)
    restricted = TaskSpace(params)
    check_space(restricted)
    return restricted


def rng_state(rng: np.random.Generator) -> dict[str, Any]:
    """The generator's state, JSON-ready (Python ints of any size survive JSON)."""
    return _jsonable(rng.bit_generator.state)


def set_rng_state(rng: np.random.Generator, state: Mapping[str, Any]) -> None:
    rng.bit_generator.state = dict(state)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.integer):
        return int(value)
    return value
