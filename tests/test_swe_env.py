"""The SWE environment on a real Docker engine: the gold patch resolves every bundled task, an
empty or wrong submission does not (and says which tests fail), no network inside, a killed
container ends the episode and the next reset works, running out of steps is judged."""

from __future__ import annotations

import pytest

pytest.importorskip("docker")

import agentgym  # noqa: E402

pytestmark = [pytest.mark.docker, pytest.mark.slow]


@pytest.fixture(scope="module")
def env(docker_engine):
    swe = agentgym.make("swe/local-v0")
    yield swe
    swe.close()


def tasks():
    from environments.swe.env import bundled_tasks

    return bundled_tasks()


def apply_patch(env, patch: str):
    env.step(f"```create fix.patch\n{patch}```")
    return env.step("```bash\ngit apply fix.patch && rm fix.patch\n```")


@pytest.mark.parametrize("name", sorted(tasks()))
def test_the_gold_patch_resolves_every_bundled_task(env, name):
    task, _ = tasks()[name]
    obs, info = env.reset(seed=0, options={"task": name})
    assert task.problem_statement in obs and info["task_id"] == f"swe/{name}"
    _, _, _, _, info = apply_patch(env, task.patch)
    assert info["tool_ok"], info
    obs, reward, terminated, truncated, info = env.step("```submit\n```")
    assert reward == 1.0 and terminated and info["outcome"] == "passing_patch" and info["won"]
    assert set(info["rubric"].values()) == {1.0} and info["completed"] and info["resolved"]
    assert info["patch"].startswith("diff --git")


def test_empty_and_wrong_submissions_score_zero_and_name_the_failing_tests(env):
    env.reset(seed=0, options={"task": "agentgym__calendar-utils-1"})
    obs, reward, terminated, _, info = env.step('{"name": "submit", "arguments": {}}')
    assert reward == 0.0 and terminated and info["outcome"] == "empty_patch" and not info["resolved"]
    env.reset(seed=0, options={"task": "agentgym__calendar-utils-1"})
    edit = "```edit calendar_utils/__init__.py\n<<<<<<< SEARCH\n/ 7\n=======\n// 7\n>>>>>>> REPLACE\n```"
    _, _, _, _, info = env.step(edit)
    assert info["tool_ok"] and info["modified"]
    obs, reward, terminated, _, info = env.step("```submit\n```")
    assert reward == 0.0 and info["outcome"] == "failing_patch" and info["modified_repo"]
    assert "tests/test_weeks.py::test_weeks_round_towards_zero" in obs  # floor division fails going backwards
    assert info["rubric"]["tests/test_weeks.py::test_weeks_are_whole"] == 1.0


def test_no_network_bad_calls_and_running_out_of_steps(env):
    env.reset(seed=0, options={"task": "agentgym__lru-cache-1"})
    obs, _, _, _, info = env.step("```bash\npython3 -c \"import urllib.request as u; u.urlopen('http://deb.debian.org', timeout=5)\"\n```")
    assert not info["tool_ok"] and "exit code 1" in obs
    obs, reward, _, _, info = env.step("I would rather not use a tool")
    assert "no tool call" in obs and not info["action_valid"] and reward == 0
    short = agentgym.make("swe/local-v0", max_steps=2)
    short.reset(seed=0, options={"task": "agentgym__lru-cache-1"})
    short.step("```bash\nls\n```")
    obs, reward, terminated, truncated, info = short.step("```bash\nls\n```")
    assert truncated and not terminated and info["outcome"] == "no_submit" and reward == 0.0 and "Out of steps" in obs
    short.close()


def test_a_killed_container_truncates_the_episode_and_the_next_reset_works(env):
    env.reset(seed=0, options={"task": "agentgym__lru-cache-1"})
    env.unwrapped._box.container.kill()
    obs, reward, terminated, truncated, info = env.step("```bash\nls\n```")
    assert truncated and info["error"] and reward == 0.0
    obs, info = env.reset(seed=1, options={"task": "agentgym__lru-cache-1"})
    assert env.step("```bash\nls\n```")[4]["tool_ok"]
    with pytest.raises(ValueError, match="unknown SWE task"):
        env.reset(seed=0, options={"task": "nope"})
