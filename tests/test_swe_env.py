"""The SWE environment on a real Docker engine: the gold patch resolves every bundled task, an
empty or wrong submission does not (and says which tests fail), no network inside, a killed
container ends the episode and the next reset works, running out of steps is judged, and a
task from a JSONL file builds its repository with setup commands."""

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
    assert info["reference"] == task.patch and task.patch not in obs  # IGPO's target, hidden from the agent
    _, _, _, _, info = apply_patch(env, task.patch)
    assert info["tool_ok"] and info["modified"] and info["modified_repo"], info
    obs, reward, terminated, truncated, info = env.step("```submit\n```")
    assert reward == 1.0 and terminated and info["outcome"] == "passing_patch" and info["won"]
    assert set(info["rubric"].values()) == {1.0} and info["completed"] and info["resolved"]
    assert info["patch"].startswith("diff --git")


def test_empty_and_wrong_submissions_score_zero_and_name_the_failing_tests(env):
    env.reset(seed=0, options={"task": "agentgym__calendar-utils-1"})
    obs, reward, terminated, _, info = env.step('{"name": "submit", "arguments": {}}')
    assert reward == 0.0 and terminated and info["outcome"] == "empty_patch" and not info["resolved"] and not info["modified_repo"]
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


def test_tasks_from_a_jsonl_file_set_up_their_repository_with_commands(docker_engine, tmp_path):
    import json

    test_patch = ("diff --git a/tests/test_calc.py b/tests/test_calc.py\nnew file mode 100644\n--- /dev/null\n"
                  "+++ b/tests/test_calc.py\n@@ -0,0 +1,5 @@\n+from calc import add\n+\n+\n+def test_add():\n"
                  "+    assert add(2, 3) == 5\n")
    record = {"instance_id": "local__calc-1", "repo": "local/calc", "problem_statement": "add() subtracts",
              "test_patch": test_patch, "FAIL_TO_PASS": ["tests/test_calc.py::test_add"], "PASS_TO_PASS": [],
              "setup": ["printf 'def add(a, b):\\n    return a - b\\n' > calc.py", "mkdir -p tests"]}
    path = tmp_path / "tasks.jsonl"
    path.write_text(json.dumps(record) + "\n")
    env = agentgym.make("swe/tasks-v0", tasks=str(path))
    obs, info = env.reset(seed=0)
    assert "add() subtracts" in obs and info["task_id"] == "swe/local__calc-1"
    fix = "```edit calc.py\n<<<<<<< SEARCH\nreturn a - b\n=======\nreturn a + b\n>>>>>>> REPLACE\n```"
    assert env.step(fix)[4]["modified"]
    obs, reward, terminated, _, info = env.step("```submit\n```")
    assert reward == 1.0 and info["outcome"] == "passing_patch" and "+    return a + b" in info["patch"]
    env.close()
