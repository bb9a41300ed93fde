"""SWE task records (SWE-bench fields, JSONL and datasets files, bad input) and the agent's
tool-call parser (text and JSON forms, malformed calls)."""

from __future__ import annotations

import json

import pytest

from environments.swe.tasks import SWETask, load_tasks
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
