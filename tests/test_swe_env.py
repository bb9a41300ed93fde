"""The SWE environment on a real Docker engine: the gold patch resolves every bundled task, an
empty or wrong submission does not (and says which tests fail), no network inside, a killed
container ends the episode and the next reset works, running out of steps is judged, a task
from a JSONL file builds its repository with setup commands, and the evaluation cannot be
gamed: tampered test files, conftest.py / pytest config, background jobs and a deleted baseline
change nothing, a loud test run is still read right, and a test patch that does not apply says so."""

from __future__ import annotations

import json

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


@pytest.mark.parametrize("name", sorted(tasks()))
def test_an_empty_submission_fails_exactly_the_hidden_tests_on_every_bundled_task(env, name):
    task, _ = tasks()[name]
    env.reset(seed=0, options={"task": name})
    _, reward, terminated, _, info = env.step("```submit\n```")
    assert reward == 0.0 and terminated and info["outcome"] == "empty_patch" and info["evaluation_error"] is None
    assert {t: info["rubric"][t] for t in task.FAIL_TO_PASS} == dict.fromkeys(task.FAIL_TO_PASS, 0.0)
    assert {t: info["rubric"][t] for t in task.PASS_TO_PASS} == dict.fromkeys(task.PASS_TO_PASS, 1.0)


LRU = "agentgym__lru-cache-1"


def test_a_fix_scores_whatever_the_agent_did_to_test_files_and_the_baseline(env):
    task, _ = tasks()[LRU]
    env.reset(seed=0, options={"task": LRU})
    obs, _, terminated, truncated, info = env.step("```bash\nrm -rf /tmp/.agentgym-baseline\n```")
    assert not (terminated or truncated) and "Permission denied" in obs and "error" not in info
    apply_patch(env, task.patch)
    env.step("```bash\nprintf '\\n\\ndef test_mine():\\n    assert True\\n' >> tests/test_lru.py\n```")
    obs, reward, terminated, _, info = env.step("```submit\n```")
    assert reward == 1.0 and info["outcome"] == "passing_patch", obs  # the test patch applied over the edited file
    assert info["reset_files"] == ["tests/test_lru.py"] and "test_mine" in info["patch"]
    assert task.patch.split("@@")[-1].splitlines()[1] in info["patch"]  # the diff still compares against the start


def test_tampering_with_the_test_set_up_does_not_pass_the_hidden_tests(env):
    task, _ = tasks()[LRU]
    env.reset(seed=0, options={"task": LRU})
    hack = ("import pytest\n\n\n@pytest.hookimpl(hookwrapper=True)\ndef pytest_runtest_makereport(item, call):\n"
            "    report = (yield).get_result()\n    report.outcome = 'passed'\n")
    for path in ("conftest.py", "tests/conftest.py"):
        assert env.step(f"```create {path}\n{hack}```")[4]["tool_ok"]
    env.step("```create setup.cfg\n[tool:pytest]\naddopts = -p no:junitxml\n```")
    env.step("```create pyproject.toml\n[project]\nname = 'lru'\n```")  # no pytest section: the agent's to keep
    env.step("```bash\necho conftest.py > .gitignore\n```")  # hiding it from git changes nothing
    stub = "def test_get_refreshes_recency(): pass\\ndef test_put_and_get(): pass\\ndef test_capacity_is_kept(): pass"
    env.step(f"```bash\n(while true; do printf '{stub}\\n' > tests/test_lru.py; sleep 0.02; done) >/dev/null 2>&1 &\n```")
    obs, reward, terminated, _, info = env.step("```submit\n```")
    assert reward == 0.0 and info["outcome"] == "failing_patch" and info["evaluation_error"] is None
    assert info["rubric"] == {**dict.fromkeys(task.FAIL_TO_PASS, 0.0), **dict.fromkeys(task.PASS_TO_PASS, 1.0)}
    assert info["reset_files"] == ["conftest.py", "setup.cfg", "tests/conftest.py", "tests/test_lru.py"]
    assert "tests/test_lru.py::test_get_refreshes_recency" in obs


def test_the_step_limit_evaluation_survives_a_dead_sandbox(docker_engine):
    short = agentgym.make("swe/local-v0", max_steps=1)
    try:
        short.reset(seed=0, options={"task": LRU})
        short.unwrapped._box.container.kill()
        obs, reward, terminated, truncated, info = short.step("no tool call here")  # no tool runs; the evaluation does
        assert truncated and not terminated and reward == 0.0 and "sandbox failed" in obs and info["error"]
    finally:
        short.close()


def _calc_task(instance_id: str, test_lines: list[str], *, context: str = "") -> dict:
    body = "".join(f"+{line}\n" for line in test_lines)
    header = (f"diff --git a/tests/test_calc.py b/tests/test_calc.py\nnew file mode 100644\n--- /dev/null\n"
              f"+++ b/tests/test_calc.py\n@@ -0,0 +1,{len(test_lines)} @@\n")
    if context:  # a patch against a file the repository does not have as the patch expects
        header = (f"diff --git a/calc.py b/calc.py\n--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n"
                  f" {context}\n-    return 0\n+    return 1\n")
        body = ""
    return {"instance_id": instance_id, "repo": "local/calc", "problem_statement": "add() subtracts",
            "test_patch": header + body, "FAIL_TO_PASS": ["tests/test_calc.py::test_add"], "PASS_TO_PASS": [],
            "setup": ["printf 'def add(a, b):\\n    return a - b\\n' > calc.py", "mkdir -p tests"]}


@pytest.fixture(scope="module")
def task_file(tmp_path_factory):
    loud = ["from calc import add", "", "", "def test_add():", "    print('x' * 70000)", "    assert add(2, 3) == 5"]
    records = [_calc_task("local__loud-1", loud), _calc_task("local__stale-1", [], context="def nothing():")]
    path = tmp_path_factory.mktemp("swe") / "tasks.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


FIX = "```edit calc.py\n<<<<<<< SEARCH\nreturn a - b\n=======\nreturn a + b\n>>>>>>> REPLACE\n```"


def test_a_loud_test_run_is_judged_from_the_report_and_a_stale_test_patch_says_so(docker_engine, task_file):
    env = agentgym.make("swe/tasks-v0", tasks=str(task_file))
    try:
        env.reset(seed=0, options={"task": "local__loud-1"})
        env.step(FIX)
        obs, reward, _, _, info = env.step("```submit\n```")
        assert reward == 1.0 and info["rubric"] == {"tests/test_calc.py::test_add": 1.0}, obs  # 70 kB of output
        env.reset(seed=0, options={"task": "local__stale-1"})
        env.step(FIX)
        obs, reward, _, _, info = env.step("```submit\n```")
        assert reward == 0.0 and "does not apply" in obs and "none ran" in obs
        assert "calc.py" in info["evaluation_error"] and info["rubric"] == {"tests/test_calc.py::test_add": 0.0}
    finally:
        env.close()


def test_check_env_passes_on_tasks_from_a_file(docker_engine, task_file):
    agentgym.check_env(agentgym.make("swe/tasks-v0", tasks=str(task_file), max_steps=3))


def test_task_images_bake_the_repository_and_setup_and_serve_resets(docker_engine, tmp_path):
    from typer.testing import CliRunner

    from agentgym.cli.app import app
    from sandbox.images import TASK_REPOSITORY, build_task_image, task_image

    built = []
    try:
        task, repo = tasks()[LRU]
        tag = build_task_image(task, repo)  # offline: the local base image, files and setup
        built.append(tag)
        assert tag.startswith(f"{TASK_REPOSITORY}:agentgym__lru-cache-1-") and task_image(task, repo) == tag
        assert build_task_image(task, repo) == tag  # the same content: reused, not rebuilt
        env = agentgym.make("swe/local-v0")
        try:
            env.reset(seed=0, options={"task": LRU})
            assert tag in env.unwrapped._box.container.image.tags and env.unwrapped._box.diff() == ""
            apply_patch(env, task.patch)
            assert env.step("```submit\n```")[1] == 1.0
        finally:
            env.close()
        record = {**_calc_task("local__testbed-1", ["from calc import add", "", "", "def test_add():",
                                                    "    assert add(2, 3) == 5"]),
                  "workdir": "/testbed", "test_cmd": "cd /testbed && python3 -s -m pytest"}
        path = tmp_path / "tasks.jsonl"
        path.write_text(json.dumps(record) + "\n")
        result = CliRunner().invoke(app, ["sandbox", "build-tasks", "--tasks", str(path)])
        assert result.exit_code == 0, result.output
        [line, total] = result.output.splitlines()
        instance, tag = line.split()
        built.append(tag)
        assert instance == "local__testbed-1" and tag.startswith(f"{TASK_REPOSITORY}:") and total == "1 task image"
        env = agentgym.make("swe/tasks-v0", tasks=str(path))
        try:
            obs, _ = env.reset(seed=0)  # SWE-bench's layout: the repository in /testbed, its own test command
            assert env.unwrapped._box.container.image.tags == [tag]  # the image the CLI baked
            assert "repository at /testbed" in obs and env.unwrapped._box.exec("pwd; cat calc.py").stdout.startswith("/testbed\n")
            env.step(FIX)
            obs, reward, _, _, info = env.step("```submit\n```")
            assert reward == 1.0 and "+++ b/calc.py" in info["patch"], obs
        finally:
            env.close()
    finally:
        for tag in built:
            docker_engine.images.remove(tag, force=True)
