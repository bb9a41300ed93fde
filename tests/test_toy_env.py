"""The built-in toy/keys-v0 task: solvable, deterministic, and rule-abiding."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import agentgym
from agentgym import TaskSpaceError


def play_expert(env, seed, options=None):
    obs, info = env.reset(seed=seed, options=options)
    total, steps = 0.0, 0
    trace = [obs]
    while True:
        obs, reward, terminated, truncated, info = env.step(info["expert_action"])
        trace.append(obs)
        total += reward
        steps += 1
        if terminated or truncated:
            return total, steps, terminated, info, trace


@pytest.mark.parametrize("rooms, locks, distractors", [(2, 0, 0), (4, 1, 1), (6, 2, 3), (10, 4, 5)])
def test_the_expert_solves_every_world(rooms, locks, distractors):
    env = agentgym.make("toy/keys-v0", num_rooms=rooms, num_locks=locks, num_distractors=distractors, max_episode_steps=200)
    for seed in range(25):
        total, steps, terminated, info, _ = play_expert(env, seed)
        assert terminated and info["won"], f"seed {seed}"
        assert total == info["max_score"] == info["score"]
        assert all(v == 1.0 for v in info["rubric"].values())
        assert info["expert_action"] is None


def test_reference_is_the_expert_plan_from_the_start():
    env = agentgym.make("toy/keys-v0", num_rooms=6, num_locks=2)
    _, info = env.reset(seed=11)
    plan = info["reference"].split("; ")
    env.reset(seed=11)
    for action in plan:
        *_, terminated, _, step_info = env.step(action)
    assert terminated and step_info["won"]


def test_task_options_override_the_parameters_for_one_episode():
    env = agentgym.make("toy/keys-v0")
    _, info = env.reset(seed=0, options={"task": {"num_rooms": 9, "num_locks": 3}})
    assert info["task_id"].startswith("toy/keys:r9-l3-d1-")
    _, info = env.reset(seed=0)
    assert info["task_id"].startswith("toy/keys:r4-l1-d1-")
    with pytest.raises(TaskSpaceError, match="num_rooms"):
        env.reset(seed=0, options={"task": {"num_rooms": 50}})
    with pytest.raises(TaskSpaceError, match="unknown"):
        env.reset(seed=0, options={"task": {"rooms": 3}})


def test_bad_constructor_parameters_are_refused():
    with pytest.raises(TaskSpaceError, match="num_rooms"):
        agentgym.make("toy/keys-v0", num_rooms=1)


def test_rules_locked_doors_keys_and_invalid_actions():
    env = agentgym.make("toy/keys-v0", num_rooms=2, num_locks=1, num_distractors=0)
    obs, info = env.reset(seed=4)
    assert "Your task: take the gold coin." in obs
    door = next(a for a in ("north", "south", "east", "west") if f"{a} (a red door, locked)" in obs)
    obs, reward, *_, info = env.step(f"go {door}")
    assert "locked" in obs and info["action_valid"] is False and reward == 0
    obs, *_, info = env.step("unlock red door")
    assert "need the red key" in obs and not info["action_valid"]
    obs, reward, *_, info = env.step("take the red key")  # articles are ignored
    assert reward == 1.0 and info["rubric"]["take the red key"] == 1.0
    obs, reward, *_, info = env.step("unlock red door")
    assert reward == 1.0 and "unlock red door" not in info["admissible_actions"]
    obs, *_, info = env.step(door[0])  # "n"/"s"/"e"/"w" aliases
    assert info["action_valid"] and "gold coin" in obs
    obs, *_, info = env.step("dance wildly")
    assert "I don't understand" in obs and not info["action_valid"]
    obs, reward, terminated, _, info = env.step("TAKE GOLD COIN")
    assert terminated and info["won"] and reward == 1.0


def test_admissible_actions_are_all_valid():
    env = agentgym.make("toy/keys-v0", num_rooms=6, num_locks=2, num_distractors=3)
    _, info = env.reset(seed=8)
    for action in info["admissible_actions"]:
        env.reset(seed=8)
        *_, step_info = env.step(action)
        assert step_info["action_valid"], action


def _trace_in_subprocess(hash_seed: str) -> list[str]:
    code = (
        "import json, agentgym\n"
        "env = agentgym.make('toy/keys-v0', num_rooms=8, num_locks=3, num_distractors=4)\n"
        "obs, info = env.reset(seed=123); trace = [obs]\n"
        "for _ in range(30):\n"
        "    obs, r, term, trunc, info = env.step(info['expert_action'] or 'look'); trace.append(obs)\n"
        "    if term: break\n"
        "print(json.dumps(trace))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    return json.loads(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout)


def test_same_seed_same_game_across_processes():
    """Determinism must not depend on Python's per-process string hashing."""
    assert _trace_in_subprocess("1") == _trace_in_subprocess("2")
