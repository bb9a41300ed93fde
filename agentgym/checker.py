"""``check_env``: does an environment keep the text-env contract? (DESIGN §2.1)

In the spirit of ``gymnasium.utils.env_checker.check_env``, and running it too. The checks:

* return types of ``reset`` and ``step``; every standard ``info`` key well typed, ``task_id``
  always present;
* determinism: the same seed gives the same first observation, admissible actions and task,
  and the same actions then give the same observations, rewards and end flags;
* any string is a legal action: empty, blank, unicode, control characters, 10 kB;
  ``bytes`` are accepted (invalid UTF-8 included); a non-string action is a ``TypeError``;
  a seed that is not a non-negative int is a ``TypeError``/``ValueError``;
* stepping after the episode ended raises a clear error (the episode is played to its end
  with the expert action, else admissible actions, else a fixed string);
* ``render()`` in ``"ansi"`` mode returns a string;
* ``close()`` is idempotent, and a closed env refuses to step.

Gymnasium's own checker runs on ``env.unwrapped``. Its checks all apply to text envs; its
warnings are passed on, except the one about a missing ``render_fps``: a text frame is rendered
once per step, so a frame rate means nothing here. Gymnasium cannot check that the action space's samples are "typical"
actions (a random printable string is rarely a valid command), so a valid-action rate is not
checked anywhere: envs answer such strings with feedback and ``action_valid=False``.

``check_env`` closes the env at the end (that is one of the checks): pass a fresh env.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import warnings
from collections.abc import Callable
from typing import Any

import gymnasium
import numpy as np

from agentgym.errors import AgentGymError, EnvCheckError
from agentgym.info import info_problems

logger = logging.getLogger(__name__)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")

ODD_ACTIONS: tuple[str, ...] = (
    "",
    "   ",
    "\n\t \r\n",
    "look",
    "xyzzy plugh frobnicate",
    "ünïcödé 漢字 🙂 ←→",
    "\x00\x01\x1b[31m",
    "x" * 10_240,
    "take " + "the " * 2000 + "thing",
)


def check_env(env: gymnasium.Env, *, seed: int = 0, max_steps: int = 500, run_gymnasium_checker: bool = True) -> list[str]:
    """Check ``env`` against the text-env contract; see the module docstring.

    Args:
        env: a fresh env (from ``agentgym.make`` or constructed directly). It is closed at the end.
        seed: the seed the checks reset with.
        max_steps: budget for playing an episode to its end.
        run_gymnasium_checker: also run ``gymnasium.utils.env_checker.check_env``.

    Returns:
        Warnings: things that could not be checked, and Gymnasium's warnings.

    Raises:
        EnvCheckError: listing every failed check.
    """
    if not isinstance(env, gymnasium.Env):
        raise EnvCheckError(repr(env), [f"must be a gymnasium.Env, got {type(env).__name__}"])
    name = env.spec.id if getattr(env, "spec", None) is not None else type(env.unwrapped).__name__
    failures: list[str] = []
    warned: list[str] = []
    checks: list[Callable[[gymnasium.Env, int, int, list[str], list[str]], None]] = [
        _check_spaces,
        _check_reset,
        _check_determinism,
        _check_odd_actions,
        _check_bad_types,
        _check_step_after_end,
        _check_render,
    ]
    if run_gymnasium_checker:
        checks.append(_check_with_gymnasium)
    checks.append(_check_close)
    for check in checks:
        try:
            check(env, seed, max_steps, failures, warned)
        except Exception as exc:  # noqa: BLE001 - a crash in a check is a failure of the env
            failures.append(f"{check.__name__[len('_check_'):]}: raised {type(exc).__name__}: {exc}")
    for message in warned:
        logger.warning("check_env(%s): %s", name, message)
    if failures:
        raise EnvCheckError(name, failures)
    return warned


# ---- the checks --------------------------------------------------------------------------
def _check_spaces(env, seed, max_steps, failures, warned) -> None:
    for attr in ("observation_space", "action_space"):
        space = getattr(env, attr, None)
        if not isinstance(space, gymnasium.spaces.Space):
            failures.append(f"{attr} must be a gymnasium Space, got {type(space).__name__}")
        elif not all(space.contains(s) for s in ODD_ACTIONS):
            failures.append(f"{attr} must contain every string (use agentgym.TextSpace), got {space!r}")


def _check_reset(env, seed, max_steps, failures, warned) -> None:
    result = env.reset(seed=seed)
    if not (isinstance(result, tuple) and len(result) == 2):
        failures.append(f"reset() must return (observation, info), got {type(result).__name__}")
        return
    observation, info = result
    if not isinstance(observation, str):
        failures.append(f"reset() observation must be a str, got {type(observation).__name__}")
    elif not observation.strip():
        failures.append("reset() observation is empty; the first observation must state the task")
    failures.extend(f"reset(): {p}" for p in info_problems(info))


def _check_determinism(env, seed, max_steps, failures, warned) -> None:
    first, second = _play_script(env, seed, steps=8), _play_script(env, seed, steps=8)
    if first[0] != second[0]:
        failures.append(f"reset(seed={seed}) twice gave different first observations, task ids or admissible actions")
    for i, (a, b) in enumerate(zip(first[1:], second[1:]), start=1):
        if a != b:
            failures.append(f"the same seed and actions gave different results at step {i}: {a!r:.120} vs {b!r:.120}")
            break


def _check_odd_actions(env, seed, max_steps, failures, warned) -> None:
    env.reset(seed=seed)
    actions: list[Any] = list(ODD_ACTIONS) + [b"look", b"\xff\xfe invalid utf-8", bytearray(b"look")]
    for action in actions:
        try:
            result = env.step(action)
        except Exception as exc:  # noqa: BLE001
            failures.append(f"step({action!r:.40}) raised {type(exc).__name__}: {exc}; any string must be a legal action")
            env.reset(seed=seed)
            continue
        problems = _step_result_problems(result)
        failures.extend(f"step({action!r:.40}): {p}" for p in problems)
        if not problems and (result[2] or result[3]):
            env.reset(seed=seed)


def _check_bad_types(env, seed, max_steps, failures, warned) -> None:
    env.reset(seed=seed)
    for action in (42, None, 3.5, ["look"], {"action": "look"}):
        _expect_raise(failures, TypeError, f"step({action!r})", lambda a=action: env.step(a))
    for bad_seed, error in (("1", TypeError), (1.5, TypeError), (True, TypeError), (-1, ValueError)):
        _expect_raise(failures, error, f"reset(seed={bad_seed!r})", lambda s=bad_seed: env.reset(seed=s))


def _check_step_after_end(env, seed, max_steps, failures, warned) -> None:
    observation, info = env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    for _ in range(max_steps):
        _, _, terminated, truncated, info = env.step(_next_action(info, rng))
        if terminated or truncated:
            break
    else:
        warned.append(f"no episode ended within {max_steps} steps; stepping after the end was not checked")
        return
    try:
        env.step("look")
    except (AgentGymError, RuntimeError) as exc:
        if not str(exc):
            failures.append("step() after the end raised an error with an empty message")
    except Exception as exc:  # noqa: BLE001
        failures.append(f"step() after the end raised {type(exc).__name__}, expected a clear RuntimeError/AgentGymError")
    else:
        failures.append("step() after the episode ended returned normally; it must raise (call reset() first)")


def _check_render(env, seed, max_steps, failures, warned) -> None:
    if env.render_mode == "ansi":
        env.reset(seed=seed)
        frame = env.render()
        if not isinstance(frame, str):
            failures.append(f"render() in 'ansi' mode must return a str, got {type(frame).__name__}")


def _check_with_gymnasium(env, seed, max_steps, failures, warned) -> None:
    from gymnasium.utils.env_checker import check_env as gymnasium_check_env

    # Gymnasium renders every declared mode; "human" prints, which a check should not.
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("always")
        try:
            gymnasium_check_env(env.unwrapped, skip_render_check=False)
        except Exception as exc:  # noqa: BLE001
            failures.append(f"Gymnasium's check_env: {type(exc).__name__}: {exc}")
    for w in caught:
        message = _ANSI.sub("", str(w.message)).removeprefix("WARN: ")
        # A frame rate means nothing for text: observations are rendered once per step.
        if "render fps" not in message and f"Gymnasium: {message}" not in warned:
            warned.append(f"Gymnasium: {message}")


def _check_close(env, seed, max_steps, failures, warned) -> None:
    env.close()
    try:
        env.close()
    except Exception as exc:  # noqa: BLE001
        failures.append(f"close() is not idempotent: the second call raised {type(exc).__name__}: {exc}")
    try:
        env.step("look")
    except Exception:  # noqa: BLE001 - any refusal is right here
        pass
    else:
        failures.append("step() after close() returned normally; it must raise")


# ---- helpers ------------------------------------------------------------------------------
def _play_script(env, seed: int, steps: int) -> list[Any]:
    """reset(seed) and a few steps chosen from the info alone; what an observer would see."""
    observation, info = env.reset(seed=seed)
    trace: list[Any] = [(observation, info.get("task_id"), _as_list(info.get("admissible_actions")))]
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        observation, reward, terminated, truncated, info = env.step(_next_action(info, rng))
        trace.append((observation, float(reward), bool(terminated), bool(truncated)))
        if terminated or truncated:
            break
    return trace


def _next_action(info: dict[str, Any], rng: np.random.Generator) -> str:
    expert = info.get("expert_action")
    if isinstance(expert, str) and expert:
        return expert
    actions = info.get("admissible_actions") or []
    return str(actions[int(rng.integers(len(actions)))]) if actions else "look"


def _as_list(value: Any) -> list[str] | None:
    return list(value) if value is not None else None


def _step_result_problems(result: Any) -> list[str]:
    if not (isinstance(result, tuple) and len(result) == 5):
        return [f"must return (observation, reward, terminated, truncated, info), got {type(result).__name__}"]
    observation, reward, terminated, truncated, info = result
    problems = []
    if not isinstance(observation, str):
        problems.append(f"observation must be a str, got {type(observation).__name__}")
    if isinstance(reward, (bool, np.bool_)) or not isinstance(reward, (int, float, np.integer, np.floating)):
        problems.append(f"reward must be a number, got {type(reward).__name__}")
    for flag, value in (("terminated", terminated), ("truncated", truncated)):
        if not isinstance(value, (bool, np.bool_)):
            problems.append(f"{flag} must be a bool, got {type(value).__name__}")
    problems.extend(info_problems(info))
    return problems


def _expect_raise(failures: list[str], expected, call_text: str, call: Callable[[], Any]) -> None:
    try:
        call()
    except expected:
        return
    except Exception as exc:  # noqa: BLE001
        failures.append(f"{call_text} raised {type(exc).__name__}: {exc}; expected {_names(expected)}")
        return
    failures.append(f"{call_text} was accepted; expected {_names(expected)}")


def _names(expected) -> str:
    types = expected if isinstance(expected, tuple) else (expected,)
    return " or ".join(t.__name__ for t in types)
