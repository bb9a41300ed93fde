"""NetHack through NLE: the language interface, determinism, episode ends, every task id."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("nle")

import agentgym  # noqa: E402
from agentgym.info import info_problems  # noqa: E402

TASKS = ["score", "staircase", "pet", "oracle", "gold", "eat", "scout", "challenge"]


def test_every_task_is_registered_and_starts_with_its_goal():
    assert agentgym.list_envs("nethack/*") == sorted(f"nethack/{t}-v0" for t in TASKS)
    for task in TASKS:
        env = agentgym.make(f"nethack/{task}-v0")
        obs, info = env.reset(seed=0)
        assert obs.startswith("Goal: ") and "Map:" in obs and "Status: HP" in obs
        assert info["task_id"].startswith(f"nethack/{task}:") and info_problems(info) == []
        env.close()


def test_words_and_raw_keys():
    env = agentgym.make("nethack/score-v0")
    _, info = env.reset(seed=1)
    words = info["admissible_actions"]
    assert {"north", "far east", "up", "down", "wait", "search", "eat", "kick", "more"} <= set(words)
    by_word = env.step("north")[0]
    env.reset(seed=1)
    assert env.step("k")[0] == by_word  # k is NetHack's key for north
    env.reset(seed=1)
    assert env.step("go North")[0] == by_word


def test_unknown_words_are_invalid_and_the_game_does_not_move():
    env = agentgym.make("nethack/score-v0")
    _, info = env.reset(seed=2)
    obs, reward, terminated, truncated, step_info = env.step("dance the tango")
    assert not step_info["action_valid"] and "Unknown action" in obs and "north" in obs
    assert step_info["turn"] == info["turn"] and reward == 0 and not (terminated or truncated)
    assert not env.step("Q")[4]["action_valid"]  # a key outside the task's action set


def test_the_same_seed_and_actions_replay_the_game():
    def trace(seed):
        env = agentgym.make("nethack/score-v0")
        obs, info = env.reset(seed=seed)
        rng, out = np.random.default_rng(0), [obs]
        for _ in range(150):
            obs, *_ = env.step(info["admissible_actions"][int(rng.integers(len(info["admissible_actions"])))])
            out.append(obs)
        env.close()
        return out

    assert trace(7) == trace(7)
    assert trace(7)[0] != trace(8)[0]


@pytest.mark.slow
def test_random_play_for_a_thousand_steps_with_resets():
    env = agentgym.make("nethack/gold-v0", max_steps=200)
    rng = np.random.default_rng(3)
    obs, info = env.reset(seed=3)
    ends = 0
    for _ in range(1000):
        obs, reward, terminated, truncated, info = env.step(info["admissible_actions"][int(rng.integers(len(info["admissible_actions"])))])
        assert isinstance(obs, str) and info_problems(info) == []
        if terminated or truncated:
            ends += 1
            assert truncated and not terminated  # the step limit, not an outcome
            obs, info = env.reset()
    assert ends == 5


def test_quitting_ends_the_game_as_lost_and_reset_starts_a_new_one():
    env = agentgym.make("nethack/challenge-v0")
    env.reset(seed=3)
    obs, _, terminated, _, info = env.step("quit")
    assert "Really quit?" in obs and not terminated
    _, _, terminated, truncated, info = env.step("y")
    assert terminated and not truncated and info["lost"] and not info["won"]
    with pytest.raises(agentgym.ResetNeededError):
        env.step("north")
    obs, info = env.reset(seed=4)
    assert info["turn"] == 1 and not info["lost"]


def test_step_limit_truncates():
    env = agentgym.make("nethack/score-v0", max_steps=5)
    env.reset(seed=0)
    flags = [env.step("search")[2:4] for _ in range(5)]
    assert flags[-1] == (False, True) and all(f == (False, False) for f in flags[:-1])


def test_views_and_bad_options():
    full = agentgym.make("nethack/score-v0", map_view="full", show_inventory=False)
    window = agentgym.make("nethack/score-v0", window_radius=2)
    full_obs, _ = full.reset(seed=5)
    window_obs, _ = window.reset(seed=5)
    assert "Inventory" not in full_obs and "Inventory" in window_obs
    window_map = window_obs.split("Map:\n")[1].split("\nStatus")[0]
    assert len(window_map.splitlines()) <= 5 and "@" in window_map
    for bad in ({"task": "ascend"}, {"map_view": "tiles"}, {"window_radius": 0}, {"max_steps": -1}):
        with pytest.raises(ValueError):
            agentgym.make("nethack/score-v0", **bad)
