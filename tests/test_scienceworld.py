"""ScienceWorld: gold paths to a full score, splits, JVM lifecycle (close, crash, killed parent)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

pytest.importorskip("scienceworld")

import agentgym  # noqa: E402
from agentgym.info import info_problems  # noqa: E402

pytestmark = pytest.mark.java


def pid_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


@pytest.fixture(scope="module")
def mixed():
    env = agentgym.make("scienceworld/mixed-v0", expert=True)
    yield env
    env.close()


@pytest.mark.slow
@pytest.mark.parametrize("task", ["find-plant", "use-thermometer", "boil"])
def test_the_gold_path_reaches_a_full_score(mixed, task):
    obs, info = mixed.reset(seed=0, options={"task": task})
    assert info["task_id"].startswith(f"scienceworld/{task}:") and info["goal"] in obs
    assert info_problems(info) == [] and set(info["rubric"].values()) <= {0.0, 1.0}
    assert info["reference"].split("; ")[0] == info["expert_action"]  # the gold path (IGPO's target)
    total = 0.0
    while True:
        obs, reward, terminated, truncated, info = mixed.step(info["expert_action"])
        total += reward
        if terminated or truncated:
            break
    assert terminated and info["won"] and info["score"] == 100.0
    assert all(v == 1.0 for v in info["rubric"].values())
    assert total == 100.0 - mixed.reset(seed=0, options={"task": task})[1]["score"]  # rewards sum to the score gained


def test_same_seed_same_variation_and_splits_are_disjoint():
    env = agentgym.make("scienceworld/find-animal-v0")
    first = env.reset(seed=3)
    assert env.reset(seed=3) == first
    picked = {env.reset(seed=s)[1]["variation"] for s in range(20)}
    train = set(env.unwrapped._variations["find-animal"])
    assert picked <= train and len(picked) > 1
    test_env = agentgym.make("scienceworld/find-animal-v0", split="test")
    test_env.reset(seed=0)
    assert not train & set(test_env.unwrapped._variations["find-animal"])
    env.close()
    test_env.close()


def test_invalid_actions_admissible_actions_and_expert_off_path():
    env = agentgym.make("scienceworld/find-plant-v0", admissible=True)
    _, info = env.reset(seed=1)
    assert info["expert_action"] is None and info["reference"] is None  # expert=False: no gold path
    assert "look around" in info["admissible_actions"] and len(info["admissible_actions"]) > 20
    obs, reward, *_, info = env.step("sing a song to the teapot")
    assert not info["action_valid"] and reward == 0
    env.close()


def test_close_stops_the_jvm_and_a_crash_truncates_the_episode():
    env = agentgym.make("scienceworld/find-plant-v0")
    env.reset(seed=0)
    pid = env.unwrapped._jvm.process.pid
    os.kill(pid, signal.SIGKILL)
    env.unwrapped._jvm.process.wait(timeout=10)
    obs, _, terminated, truncated, info = env.step("look around")
    assert truncated and not terminated and "died" in info["error"]
    _, info = env.reset(seed=0)  # a new JVM
    assert env.unwrapped._jvm.process.pid != pid and info["score"] >= 0
    pid = env.unwrapped._jvm.process.pid
    env.close()
    assert not pid_alive(pid)


def test_no_jvm_outlives_a_killed_python_process():
    code = (
        "import agentgym, sys\n"
        "env = agentgym.make('scienceworld/find-plant-v0'); env.reset(seed=0)\n"
        "print(env.unwrapped._jvm.process.pid, flush=True)\n"
        "sys.stdin.read()\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    java_pid = int(child.stdout.readline())
    assert pid_alive(java_pid)
    child.kill()
    child.wait(timeout=10)
    deadline = time.time() + 15
    while pid_alive(java_pid) and time.time() < deadline:
        time.sleep(0.2)
    assert not pid_alive(java_pid), "the JVM outlived the Python process that started it"
    child.stdin.close()
    child.stdout.close()


def test_bad_input_is_refused_before_any_jvm_starts():
    for kwargs, match in [({"task": "bake"}, "unknown ScienceWorld task"), ({"split": "holdout"}, "split"),
                          ({"simplifications": "easy,fly"}, "simplification"), ({"jvm_heap": "lots"}, "jvm_heap")]:
        with pytest.raises(ValueError, match=match):
            agentgym.make("scienceworld/boil-v0", **kwargs)
    env = agentgym.make("scienceworld/boil-v0")
    with pytest.raises(ValueError, match="variation"):
        env.reset(seed=0, options={"variation": 10_000})
    with pytest.raises(ValueError, match="mixed"):
        env.reset(seed=0, options={"task": "melt"})
    env.close()


def test_missing_java_says_how_to_install_it(monkeypatch):
    from environments.scienceworld.jvm import EngineError

    monkeypatch.setenv("PATH", "/nonexistent")  # a machine without java: the real lookup fails
    env = agentgym.make("scienceworld/boil-v0")
    with pytest.raises(EngineError, match="apt-get install"):
        env.reset(seed=0)


def test_simplifications_per_env_and_per_episode():
    env = agentgym.make("scienceworld/find-plant-v0", simplifications="openDoors")
    env.reset(seed=0)
    assert "openDoors" in str(env.unwrapped._jvm.server.getSimplificationsUsed())
    env.reset(seed=0, options={"simplifications": "easy"})
    used = str(env.unwrapped._jvm.server.getSimplificationsUsed())
    assert "teleportAction" in used and "openDoors" in used  # the easy preset
    with pytest.raises(ValueError, match="simplification"):
        env.reset(seed=0, options={"simplifications": "fly"})
    env.close()
