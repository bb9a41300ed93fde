"""SWE task records (SWE-bench fields, JSONL and datasets files, bad input) and the agent's
tool-call parser (text and JSON forms, malformed calls)."""

from __future__ import annotations

import json

import pytest

from environments.swe.tasks import SWETask, SWETaskError, load_tasks
from environments.swe.tools import ToolCall, ToolCallError, parse_tool_call

RECORD = {
    "instance_id": "dates-1", "repo": "agentgym/dates", "base_commit": "abc123",
    "problem_statement": "weeks_between(…) is off by one", "patch": "--- a/x\n+++ b/x\n",
    "test_patch": "--- a/t\n+++ b/t\n", "FAIL_TO_PASS": '["tests/test_dates.py::test_weeks"]',
    "PASS_TO_PASS": ["tests/test_dates.py::test_days"], "created_at": "2026-01-01",
}


def test_records_load_from_jsonl_and_datasets_files(tmp_path):
    path = tmp_path / "tasks.jsonl"
    path.write_text(json.dumps(RECORD) + "\n\n" + json.dumps({**RECORD, "instance_id": "dates-2", "image": "img:1"}) + "\n")
    tasks = load_tasks(path)
    assert [t.instance_id for t in tasks] == ["dates-1", "dates-2"]
    assert tasks[0].FAIL_TO_PASS == ("tests/test_dates.py::test_weeks",)  # JSON text, as SWE-bench stores it
    assert tasks[0].PASS_TO_PASS == ("tests/test_dates.py::test_days",) and tasks[0].extra == {"created_at": "2026-01-01"}
    datasets = pytest.importorskip("datasets")
    datasets.Dataset.from_list([RECORD]).to_parquet(str(tmp_path / "tasks.parquet"))
    assert load_tasks(tmp_path / "tasks.parquet")[0] == tasks[0]
    datasets.Dataset.from_list([RECORD]).save_to_disk(str(tmp_path / "saved"))
    assert load_tasks(tmp_path / "saved")[0].instance_id == "dates-1"


def test_bad_task_files_are_refused_with_the_place(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(RECORD) + "\n{not json\n")
    with pytest.raises(ValueError, match="bad.jsonl:2"):
        load_tasks(bad)
    bad.write_text(json.dumps(RECORD) + "\n" + json.dumps(RECORD) + "\n")
    with pytest.raises(ValueError, match="appears twice"):
        load_tasks(bad)
    for broken, message in (({**RECORD, "FAIL_TO_PASS": ""}, "lacks FAIL_TO_PASS"),
                            ({**RECORD, "FAIL_TO_PASS": "[1, 2]"}, "list of strings"),
                            ({**RECORD, "PASS_TO_PASS": "nope"}, "JSON text"),
                            ({**RECORD, "repo": 7}, "repo must be a string")):
        with pytest.raises(ValueError, match=message):
            SWETask.from_record(broken)
    with pytest.raises(FileNotFoundError):
        load_tasks(tmp_path / "missing.jsonl")
    (tmp_path / "tasks.csv").write_text("x")
    with pytest.raises(ValueError, match="expected .jsonl"):
        load_tasks(tmp_path / "tasks.csv")


def test_text_tool_calls():
    assert parse_tool_call("Let me look.\n```bash\npytest -q\n```") == ToolCall("bash", {"command": "pytest -q"})
    assert parse_tool_call("```view src/a.py 3 9\n```") == ToolCall("view", {"path": "src/a.py", "start": 3, "end": 9})
    assert parse_tool_call("```view src/a.py\n```") == ToolCall("view", {"path": "src/a.py"})
    edit = "```edit src/a.py\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n```"
    assert parse_tool_call(edit) == ToolCall("edit", {"path": "src/a.py", "old": "x = 1", "new": "x = 2"})
    assert parse_tool_call("```create b.py\nprint(1)\n```") == ToolCall("create", {"path": "b.py", "content": "print(1)\n"})
    assert parse_tool_call("done\n```submit\n```") == ToolCall("submit", {})
    # the last tool block counts; other fences (python examples) are not calls
    text = "```python\nx = 1\n```\n```bash\nls\n```\n```bash\npwd\n```"
    assert parse_tool_call(text) == ToolCall("bash", {"command": "pwd"})


def test_json_tool_calls():
    assert parse_tool_call('{"name": "bash", "arguments": {"command": "ls"}}') == ToolCall("bash", {"command": "ls"})
    openai = json.dumps([{"id": "c", "type": "function", "function": {"name": "view", "arguments": '{"path": "a.py", "start": "2", "end": 5}'}}])
    assert parse_tool_call(f"calling {openai}") == ToolCall("view", {"path": "a.py", "start": 2, "end": 5})
    assert parse_tool_call('{"name": "submit", "arguments": ""}') == ToolCall("submit", {})


@pytest.mark.parametrize("text, message", [
    ("I think the bug is in dates.py", "no tool call"),
    ('{"name": "bash", "arguments": "{oops"}', "not valid JSON"),
    ('{"name": "bash", "arguments": {"cmd": "ls"}}', "needs the argument 'command'"),
    ('{"name": "bash", "arguments": {"command": 5}}', "must be a string"),
    ('{"name": "bash", "arguments": {"command": "ls", "sudo": true}}', "takes no argument 'sudo'"),
    ("```view src/a.py 3\n```", "two line numbers"),
    ("```view src/a.py x y\n```", "must be an integer"),
    ("```edit src/a.py\nx = 2\n```", "SEARCH"),
    ("```create\nprint(1)\n```", "needs a path"),
])
def test_malformed_calls_explain_themselves(text, message):
    with pytest.raises(ToolCallError, match=message):
        parse_tool_call(text)


def test_deeply_nested_brackets_are_no_call_not_a_crash():
    with pytest.raises(ToolCallError, match="no tool call"):
        parse_tool_call("[" * 3000)
    deep_then_call = "[" * 3000 + '\n{"name": "bash", "arguments": {"command": "ls"}}'
    assert parse_tool_call(deep_then_call) == ToolCall("bash", {"command": "ls"})


def test_where_and_how_the_tests_run_are_task_fields():
    task = SWETask.from_record(RECORD)
    assert task.workdir == "/workspace" and task.test_cmd == "python3 -s -m pytest"  # the defaults
    bench = SWETask.from_record({**RECORD, "workdir": "/testbed",
                                 "test_cmd": "source /opt/miniconda3/bin/activate testbed && python -m pytest"})
    assert bench.workdir == "/testbed" and bench.test_cmd.endswith("python -m pytest") and "workdir" not in bench.extra
    for workdir in ("testbed", "/", "/tmp", "/a/../etc"):
        with pytest.raises(SWETaskError, match="workdir must be an absolute path"):
            SWETask.from_record({**RECORD, "workdir": workdir})


# ---- the evaluation's rules, on real pytest reports and real config files -----------------
TESTS_PY = '''
import pytest


class TestGroup:
    @pytest.mark.parametrize("x", [1, "a/b"])
    def test_param(self, x):
        assert x == 1


def test_passes():
    print("x" * 100_000)  # a loud test: its output must not matter


def test_fails():
    assert False


@pytest.mark.xfail
def test_expected_failure():
    assert False


@pytest.mark.skip
def test_skipped():
    pass


@pytest.fixture
def broken():
    yield
    raise RuntimeError("teardown")


def test_teardown_error(broken):
    pass
'''


def test_each_test_outcome_is_read_from_pytests_junit_report(tmp_path):
    import subprocess
    import sys

    from environments.swe.evaluation import junit_address, junit_outcomes

    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_mod.py").write_text(TESTS_PY)
    report = tmp_path / "report.xml"
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}", "tests"],
                   cwd=tmp_path, capture_output=True, check=False, timeout=120)
    ids = ["tests/test_mod.py::TestGroup::test_param[1]", "tests/test_mod.py::TestGroup::test_param[a/b]",
           "tests/test_mod.py::test_passes", "tests/test_mod.py::test_fails", "tests/test_mod.py::test_expected_failure",
           "tests/test_mod.py::test_skipped", "tests/test_mod.py::test_teardown_error", "tests/test_mod.py::test_missing"]
    assert junit_address(ids[1]) == ("tests.test_mod.TestGroup", "test_param[a/b]")
    assert junit_outcomes(report.read_bytes(), ids) == {
        ids[0]: True, ids[1]: False, ids[2]: True, ids[3]: False,
        ids[4]: True,  # an expected failure counts as a pass
        ids[5]: False, ids[6]: False,  # skipped; passed its call but errored in teardown
        ids[7]: False,  # not in the report
    }


def test_the_test_files_and_pytest_configuration_are_reset_but_not_the_fix():
    from environments.swe.evaluation import files_to_reset, patch_paths

    test_patch = ("diff --git a/tests/test_new.py b/tests/test_new.py\nnew file mode 100644\n--- /dev/null\n"
                  "+++ b/tests/test_new.py\n@@ -0,0 +1 @@\n+x = 1\n")
    task = SWETask.from_record({**RECORD, "test_patch": test_patch,
                                "FAIL_TO_PASS": ["tests/test_new.py::test_x"], "PASS_TO_PASS": ["tests/test_old.py::test_y"]})
    assert patch_paths(test_patch) == {"tests/test_new.py"}
    start = {
        "pyproject.toml": '[project]\nname = "x"\n\n[tool.pytest.ini_options]\naddopts = "-q"\n',
        "tox.ini": "[tox]\nenvlist = py311\n",
    }
    now = {
        "pyproject.toml": '[project]\nname = "x"\ndependencies = ["attrs"]\n\n[tool.pytest.ini_options]\naddopts = "-q"\n',
        "tox.ini": "[tox]\nenvlist = py312\n",
        "setup.cfg": "[tool:pytest]\naddopts = -p hack\n",
        "sub/pyproject.toml": "[tool.pytest.ini_options\nbroken",
    }
    changes = {"src/fix.py": "M", "tests/test_new.py": "A", "tests/test_old.py": "M", "tests/helpers.py": "M",
               "conftest.py": "A", "tests/deep/conftest.py": "M", "pytest.ini": "D", "_pytest/hack.py": "A",
               "sitecustomize.py": "A", "pyproject.toml": "M", "tox.ini": "M", "setup.cfg": "A", "sub/pyproject.toml": "A"}
    reset = files_to_reset(task, changes, start.get, now.get)
    assert reset == ["_pytest/hack.py", "conftest.py", "pytest.ini", "setup.cfg", "sitecustomize.py",
                     "sub/pyproject.toml", "tests/deep/conftest.py", "tests/test_new.py", "tests/test_old.py"]
    # kept: the fix, a test helper no hidden test names, a pyproject whose pytest section is as it was, tox without one
    now["pyproject.toml"] = now["pyproject.toml"].replace('addopts = "-q"', 'addopts = "-k nothing"')
    assert "pyproject.toml" in files_to_reset(task, changes, start.get, now.get)
    # a task whose own fix edits a conftest.py: the agent's edit of it stands
    gold = "diff --git a/tests/deep/conftest.py b/tests/deep/conftest.py\n--- a/tests/deep/conftest.py\n+++ b/tests/deep/conftest.py\n"
    fixing_conftest = SWETask.from_record({**RECORD, "test_patch": test_patch, "patch": gold,
                                           "FAIL_TO_PASS": ["tests/test_new.py::test_x"]})
    assert "tests/deep/conftest.py" not in files_to_reset(fixing_conftest, changes, start.get, now.get)
