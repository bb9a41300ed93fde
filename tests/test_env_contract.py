"""The TextEnv base class: what every family gets for free (DESIGN §2.1)."""

from __future__ import annotations

import numpy as np
import pytest

import agentgym
from agentgym import EnvClosedError, ResetNeededError, TextEnv
from agentgym.env import TextSpace, coerce_action, coerce_seed


class Echo(TextEnv):
    """A two-step env that echoes actions; records what its hooks saw."""

    def __init__(self, render_mode=None):
        super().__init__(render_mode=render_mode)
        self.seen: list[str] = []
        self.closes = 0

    def _reset(self, options):
        self.t = 0
        self.target = int(self.np_random.integers(100))
        return f"say {self.target}", {"task_id": f"echo-{self.target}"}

    def _step(self, action):
        self.seen.append(action)
        self.t += 1
        won = action == str(self.target)
        info = {"task_id": f"echo-{self.target}", "won": won}
        if not won and action not in ("", "look"):
            info["action_valid"] = False
        return f"you said {action!r}", float(won), won, self.t >= 2 and not won, info

    def _close(self):
        self.closes += 1


def test_same_seed_same_task_and_none_continues_the_stream():
    env = Echo()
    first, _ = env.reset(seed=5)
    again, _ = env.reset(seed=5)
    assert first == again
    tasks = {env.reset()[0] for _ in range(20)}
    assert len(tasks) > 1, "reset() without a seed must draw new tasks from the env's stream"


def test_numpy_integer_seed_is_accepted():
    env = Echo()
    assert env.reset(seed=np.int64(5))[0] == env.reset(seed=5)[0]


@pytest.mark.parametrize("seed, error", [("1", TypeError), (1.5, TypeError), (True, TypeError), ([1], TypeError), (-3, ValueError)])
def test_bad_seed_is_refused_with_a_clear_error(seed, error):
    with pytest.raises(error, match="seed"):
        Echo().reset(seed=seed)


def test_options_must_be_a_dict():
    with pytest.raises(TypeError, match="options"):
        Echo().reset(options=["task"])


def test_step_before_reset_and_after_the_end_raise_reset_needed():
    env = Echo()
    with pytest.raises(ResetNeededError, match="reset"):
        env.step("look")
    env.reset(seed=0)
    env.step("look")
    *_, truncated, _ = env.step("look")
    assert truncated
    with pytest.raises(ResetNeededError, match="reset"):
        env.step("look")
    env.reset(seed=0)  # a new episode makes step legal again
    env.step("look")


def test_non_string_actions_raise_type_error_naming_the_type():
    env = Echo()
    env.reset(seed=0)
    for action in (42, None, 1.5, ["look"]):
        with pytest.raises(TypeError, match=type(action).__name__):
            env.step(action)
    assert env.seen == [], "a refused action must not reach the game"


def test_bytes_are_decoded_with_replacement():
    env = Echo()
    env.reset(seed=0)
    env.step(b"caf\xc3\xa9 \xff")
    assert env.seen == ["café \ufffd"]
    assert coerce_action(bytearray(b"look")) == "look"
    assert type(coerce_action(np.str_("look"))) is str


def test_action_valid_defaults_to_true_and_env_feedback_is_kept():
    env = Echo()
    env.reset(seed=0)
    _, _, _, _, info = env.step("look")
    assert info["action_valid"] is True
    env.reset(seed=0)
    obs, _, _, _, info = env.step("gibberish")
    assert info["action_valid"] is False and "gibberish" in obs


def test_close_is_idempotent_and_closed_env_refuses_use():
    env = Echo()
    env.reset(seed=0)
    env.close()
    env.close()
    assert env.closes == 1 and env.closed
    with pytest.raises(EnvClosedError):
        env.step("look")
    with pytest.raises(EnvClosedError):
        env.reset()


def test_context_manager_closes():
    with Echo() as env:
        env.reset(seed=0)
    assert env.closed and env.closes == 1


def test_render_modes():
    env = Echo(render_mode="ansi")
    obs, _ = env.reset(seed=1)
    assert env.render() == obs
    with pytest.raises(ValueError, match="render_mode"):
        Echo(render_mode="rgb_array")


def test_render_human_prints_observations(capsys):
    env = Echo(render_mode="human")
    obs, _ = env.reset(seed=1)
    assert obs in capsys.readouterr().out


def test_missing_hooks_say_what_to_implement():
    class Empty(TextEnv):
        pass

    with pytest.raises(NotImplementedError, match="_reset"):
        Empty().reset()


def test_text_space_contains_every_string_and_samples_strings():
    space = TextSpace()
    assert all(space.contains(s) for s in ("", "x" * 100_000, "ünï 🙂\n"))
    assert not space.contains(b"bytes") and not space.contains(3)
    space.seed(0)
    assert all(isinstance(space.sample(), str) for _ in range(10))


def test_seed_coercion():
    assert coerce_seed(None) is None
    assert coerce_seed(np.uint32(7)) == 7 and type(coerce_seed(np.uint32(7))) is int


def test_a_user_env_in_a_few_lines_passes_the_checker():
    """The README's promise: subclass TextEnv, write _reset/_step, and check_env passes."""

    class Guess(TextEnv):
        def _reset(self, options):
            self.secret = int(self.np_random.integers(1, 10))
            return "Guess my number (1-9).", {"task_id": f"guess-{self.secret}", "admissible_actions": [str(i) for i in range(1, 10)]}

        def _step(self, action):
            won = action.strip() == str(self.secret)
            hint = "right!" if won else ("higher" if action.isdigit() and int(action) < self.secret else "lower")
            info = {"task_id": f"guess-{self.secret}", "won": won, "action_valid": action.strip().isdigit(),
                    "admissible_actions": [str(i) for i in range(1, 10)]}
            return hint, float(won), won, False, info

    assert isinstance(agentgym.check_env(Guess()), list)
