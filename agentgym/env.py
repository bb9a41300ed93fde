"""The text-environment contract: :class:`TextEnv` (DESIGN §2.1).

A text environment is a :class:`gymnasium.Env` whose observations and actions are strings.
:class:`TextEnv` implements the parts of the contract that are the same for every family, so
an implementation only writes the game:

* ``_reset(options) -> (observation, info)`` — start an episode. Draw all randomness from
  ``self.np_random``, which :meth:`TextEnv.reset` has already seeded: the same seed then gives
  the same task.
* ``_step(action) -> (observation, reward, terminated, truncated, info)`` — play one action.
  ``action`` is always a ``str`` here. An action the game does not understand is answered with
  the game's own feedback and ``info["action_valid"] = False``, never an exception.
* ``_close()`` (optional) — release processes, JVMs, containers, temp dirs.

What the base class guarantees around them, identical for every family:

* ``reset(seed=...)`` accepts ``None`` or a non-negative ``int`` (numpy integers too); anything
  else is a ``TypeError``/``ValueError`` that says so.
* ``step`` accepts any ``str``; ``bytes`` are decoded as UTF-8 with replacement characters;
  any other type is a ``TypeError`` naming the type.
* ``step`` before ``reset``, or after the episode terminated or was truncated, raises
  :class:`~agentgym.errors.ResetNeededError`; any use after ``close()`` raises
  :class:`~agentgym.errors.EnvClosedError`.
* ``info["action_valid"]`` defaults to ``True`` when ``_step`` does not set it.
* ``close()`` is idempotent, and every ``TextEnv`` is a context manager.
"""

from __future__ import annotations

import string
from typing import Any, ClassVar

import gymnasium
import numpy as np
from gymnasium import spaces

from agentgym.errors import EnvClosedError, ResetNeededError

StepResult = tuple[str, float, bool, bool, dict[str, Any]]

_PRINTABLE = string.ascii_letters + string.digits + string.punctuation + " "


class TextSpace(spaces.Text):
    """Gymnasium space of all Python strings.

    :meth:`contains` accepts every ``str`` of any length and characters — the text-env contract
    makes any string a legal action, and observations are whatever the game prints.
    :meth:`sample` draws printable ASCII strings of ``min_length``..``max_length`` characters
    (Gymnasium's checker steps with such samples).
    """

    def __init__(self, max_length: int = 64, *, min_length: int = 0, seed: int | None = None) -> None:
        super().__init__(max_length, min_length=min_length, charset=_PRINTABLE, seed=seed)

    def contains(self, x: Any) -> bool:
        return isinstance(x, str)

    def __repr__(self) -> str:
        return "TextSpace()"


def coerce_action(action: Any) -> str:
    """The action as a ``str``: ``str`` unchanged, ``bytes`` decoded as UTF-8 with replacement.

    Raises:
        TypeError: for any other type (``None``, numbers, lists, …).
    """
    if isinstance(action, str):
        return str(action)  # plain str, also for numpy.str_ and other subclasses
    if isinstance(action, (bytes, bytearray, memoryview)):
        return bytes(action).decode("utf-8", errors="replace")
    raise TypeError(f"a text env's action must be a str (or UTF-8 bytes), got {type(action).__name__}: {action!r:.60}")


def coerce_seed(seed: Any) -> int | None:
    """``seed`` as a non-negative Python ``int`` (or None).

    Raises:
        TypeError: ``seed`` is not an integer (``bool``, ``float``, ``str`` … are refused rather
            than silently rounded or hashed).
        ValueError: ``seed`` is negative (numpy's seeding cannot take it).
    """
    if seed is None:
        return None
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int or None, got {type(seed).__name__}: {seed!r:.60}")
    if seed < 0:
        raise ValueError(f"seed must be non-negative, got {seed}")
    return int(seed)


class TextEnv(gymnasium.Env[str, str]):
    """Base class of agentgym text environments. See the module docstring for the contract.

    Attributes:
        observation_space: all strings (:class:`TextSpace`).
        action_space: all strings (:class:`TextSpace`).
        render_mode: ``"ansi"`` (``render()`` returns the last observation) or ``"human"``
            (prints it), or None.
        task_space: the family's :class:`~agentgym.task_space.TaskSpace` where it can
            generate tasks, else None.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi", "human"]}
    task_space = None

    def __init__(self, render_mode: str | None = None) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']} or None, got {render_mode!r}")
        self.render_mode = render_mode
        self.observation_space = TextSpace()
        self.action_space = TextSpace()
        self._episode_active = False
        self._closed = False
        self._last_observation: str | None = None

    # ---- what a family implements ------------------------------------------------------
    def _reset(self, options: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Start an episode; draw randomness from ``self.np_random``. Returns (observation, info)."""
        raise NotImplementedError(f"{type(self).__name__} must implement _reset(options)")

    def _step(self, action: str) -> StepResult:
        """Play ``action`` (a ``str``). Returns (observation, reward, terminated, truncated, info)."""
        raise NotImplementedError(f"{type(self).__name__} must implement _step(action)")

    def _close(self) -> None:
        """Release what the env started. Called at most once."""

    def check_ready(self) -> None:
        """Raise an :class:`~agentgym.AgentGymError` saying what to do when the env's engine cannot
        run here (a Java runtime or a Docker engine missing). Cheap and side-effect free: long jobs
        (``agentgym eval``) call it before the first episode, so a suite fails at once instead of
        recording every episode as errored. The default has nothing to check."""

    # ---- the contract ------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        """Start a new episode.

        Args:
            seed: selects the task deterministically (same seed, same task); None continues
                the env's random stream.
            options: family-specific; ``{"task": ...}`` selects a task where supported.

        Returns:
            The first observation (it states the task) and the info dict.
        """
        self._ensure_open()
        seed = coerce_seed(seed)
        if options is not None and not isinstance(options, dict):
            raise TypeError(f"options must be a dict or None, got {type(options).__name__}")
        super().reset(seed=seed)
        self._episode_active = False
        observation, info = self._reset(dict(options or {}))
        self._episode_active = True
        self._last_observation = observation
        self._render_human()
        return observation, info

    def step(self, action: str) -> StepResult:
        """Play one action. Any string is legal; see the module docstring for the guarantees."""
        self._ensure_open()
        action = coerce_action(action)
        if not self._episode_active:
            raise ResetNeededError(
                f"{type(self).__name__}.step() called with no episode running "
                "(before reset(), or after the episode terminated or was truncated): call reset() first"
            )
        observation, reward, terminated, truncated, info = self._step(action)
        info.setdefault("action_valid", True)
        if terminated or truncated:
            self._episode_active = False
        self._last_observation = observation
        self._render_human()
        return observation, float(reward), bool(terminated), bool(truncated), info

    def render(self) -> str | None:
        """``"ansi"``: the last observation; ``"human"``: printed at each reset/step already."""
        if self.render_mode == "ansi":
            return self._last_observation or ""
        return None

    def close(self) -> None:
        """Release everything the env started. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._episode_active = False
        self._close()

    def __del__(self) -> None:
        # A garbage-collected env must not leave a JVM or a container behind.
        try:
            self.close()
        except Exception:  # noqa: BLE001 - never raise from a finaliser
            pass

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has been called."""
        return self._closed

    def _ensure_open(self) -> None:
        if self._closed:
            raise EnvClosedError(f"{type(self).__name__} is closed; create a new env with agentgym.make()")

    def _render_human(self) -> None:
        if self.render_mode == "human" and self._last_observation is not None:
            print(self._last_observation)  # noqa: T201 - the purpose of render_mode="human"
