"""Judging an SWE episode: the agent's workspace against the hidden tests, as SWE-bench's harness
does, made robust against an agent that tampers with the tests instead of fixing the bug.

:func:`judge` runs these steps in the sandbox:

1. stop every process the agent left running (nothing may change the workspace from now on);
2. take the agent's patch: the workspace's diff against its start;
3. **reset what the agent may not decide**, back to the start (restored, or removed if the agent
   added it), each one recorded in :attr:`Verdict.reset_files`:

   - the files the hidden test patch touches and the files the ``FAIL_TO_PASS`` /
     ``PASS_TO_PASS`` tests live in (SWE-bench restores the former the same way, so a test
     file the agent edited cannot make the patch fail to apply);
   - pytest's configuration: every ``conftest.py``, ``pytest.ini`` and ``.pytest.ini``;
     ``pyproject.toml`` / ``setup.cfg`` / ``tox.ini`` when their pytest section
     (``[tool.pytest.ini_options]`` / ``[tool:pytest]`` / ``[pytest]``) differs from the start
     (then the whole file goes back); and top-level modules that would shadow the test runner
     (``pytest.py``, ``_pytest/``, ``pluggy/``, ``py.py``, ``sitecustomize.py``,
     ``usercustomize.py``) — except files the task's gold patch itself changes. Files a
     ``.gitignore`` hides count too;

4. apply the hidden test patch; if it does not apply, say so (:attr:`Verdict.test_patch_error`)
   instead of running anything;
5. run the tests with pytest (``python3 -s``: no user site-packages), each test's outcome
   read from a JUnit XML report written to a fresh, unpredictable name and read back with the
   sandbox's uncapped file read — never from the capped console output.

A test passes when the report holds it without a failure or error (an expected failure,
``xfail``, counts as a pass; a skip does not). A test missing from the report fails.

What this does not stop: the code under test runs inside pytest's process, so a "fix" that
monkeypatches pytest from an imported module can still fake results. SWE-bench has the same
limit; the ``patch`` in the info is there to be read.
"""

from __future__ import annotations

import configparser
import re
import shlex
import tomllib
import uuid
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from environments.swe.tasks import DEFAULT_TEST_CMD, SWETask

CONFIG_NAMES = frozenset({"conftest.py", "pytest.ini", ".pytest.ini"})
SECTIONS = {"pyproject.toml": "tool.pytest", "setup.cfg": "tool:pytest", "tox.ini": "pytest"}
RUNNER_SHADOWS = frozenset({"pytest.py", "_pytest", "pluggy", "py.py", "sitecustomize.py", "usercustomize.py"})
_UNPARSABLE = "<unparsable>"
_PATCH_PATH = re.compile(r"^(?:--- a/|\+\+\+ b/|rename from |rename to |copy from |copy to )(.+?)(?:\t.*)?$", re.M)
_GIT_HEADER = re.compile(r"^diff --git a/(\S+) b/(\S+)$", re.M)


@dataclass
class Verdict:
    """What the hidden tests said about a workspace."""

    status: dict[str, bool]  # test id -> passed
    patch: str  # the agent's diff against the start
    reset_files: list[str] = field(default_factory=list)  # put back to the start before the tests ran
    test_patch_error: str | None = None  # the hidden test patch did not apply (nothing ran)
    run_error: str | None = None  # the tests ran past their time, or pytest wrote no report
    output: str = ""  # the end of the test run's console output

    @property
    def resolved(self) -> bool:
        return self.test_patch_error is None and bool(self.status) and all(self.status.values())

    @property
    def failing(self) -> list[str]:
        return [test for test, ok in self.status.items() if not ok]


def judge(box: Any, task: SWETask, timeout: float, test_cmd: str = DEFAULT_TEST_CMD) -> Verdict:
    """Run ``task``'s hidden tests on the workspace of ``box`` (a :class:`sandbox.sandbox.Sandbox`);
    see the module docstring for the steps. ``test_cmd`` runs pytest (options and test ids are
    appended)."""
    tests = [*task.FAIL_TO_PASS, *task.PASS_TO_PASS]
    status = {test: False for test in tests}
    box.stop_processes()
    patch = box.diff()
    reset = files_to_reset(task, box.changes(), lambda path: box.start_content(path), lambda path: _current(box, path))
    box.restore_start(reset)
    applied = box.apply_patch(task.test_patch)
    if applied is not None:
        return Verdict(status, patch, reset, test_patch_error=applied)
    report = f"{box.workspace}/.agentgym-junit-{uuid.uuid4().hex}.xml"
    command = (f"export PYTHONNOUSERSITE=1; {test_cmd} -rA -p no:cacheprovider -q "
               f"-o junit_family=xunit2 --junitxml={shlex.quote(report)} {' '.join(map(shlex.quote, tests))}")
    run = box.exec(command, timeout=timeout)
    output = (run.stdout + run.stderr)[-4000:]
    try:
        xml = box.read_file(report)
    except Exception:  # noqa: BLE001 - no report: pytest did not get as far (collection crash, timeout)
        xml = None
    box.exec(f"rm -f {shlex.quote(report)}")
    run_error = None
    if run.timed_out:
        run_error = f"the hidden tests ran past their {timeout:g} s"
    if xml is None:
        run_error = run_error or f"pytest wrote no report (exit code {run.exit_code})"
    else:
        try:
            status = junit_outcomes(xml, tests)
        except ElementTree.ParseError as exc:
            run_error = f"pytest's report is not valid XML ({exc})"
    return Verdict(status, patch, reset, run_error=run_error, output=output)


def _current(box: Any, path: str) -> str | None:
    try:
        return box.read_file(path).decode("utf-8", errors="replace")
    except Exception:  # noqa: BLE001 - gone, a directory or a symlink: not the file pytest reads
        return None


def files_to_reset(task: SWETask, changes: dict[str, str], before: Any, after: Any) -> list[str]:
    """The changed paths (path -> git status letter) the evaluation puts back to the start:
    test files and test configuration (see the module docstring). ``before(path)`` and
    ``after(path)`` give a file's text at the start and now (None: absent)."""
    tests = [*task.FAIL_TO_PASS, *task.PASS_TO_PASS]
    protected = patch_paths(task.test_patch) | {t.split("::")[0] for t in tests if t.split("::")[0].endswith(".py")}
    fixable = patch_paths(task.patch)  # the gold fix edits these itself: an agent may too
    reset = []
    for path, status in sorted(changes.items()):
        parts = PurePosixPath(path).parts
        if path in protected:
            reset.append(path)
        elif path in fixable:
            continue
        elif parts[-1] in CONFIG_NAMES or parts[0] in RUNNER_SHADOWS:
            reset.append(path)
        elif parts[-1] in SECTIONS:
            old = None if status == "A" else before(path)
            new = None if status == "D" else after(path)
            if pytest_section(parts[-1], old) != pytest_section(parts[-1], new):
                reset.append(path)
    return reset


def patch_paths(patch: str) -> set[str]:
    """The files a (git or unified) diff touches, both sides of renames included."""
    paths = {match.strip() for match in _PATCH_PATH.findall(patch)}
    for old, new in _GIT_HEADER.findall(patch):
        paths |= {old, new}
    return {path for path in paths if path and path != "/dev/null"}


def pytest_section(name: str, text: str | None) -> Any:
    """The pytest settings in a ``pyproject.toml`` / ``setup.cfg`` / ``tox.ini`` text (None: no
    file or no section; a marker string when the file does not parse)."""
    if text is None:
        return None
    if name == "pyproject.toml":
        try:
            tool = tomllib.loads(text).get("tool")
        except tomllib.TOMLDecodeError:
            return _UNPARSABLE
        return tool.get("pytest") if isinstance(tool, dict) else None
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return _UNPARSABLE
    section = SECTIONS[name]
    return dict(parser[section]) if parser.has_section(section) else None


def junit_address(test_id: str) -> tuple[str, str]:
    """The (classname, name) under which pytest's JUnit XML report records the test ``test_id``
    (``tests/test_a.py::TestA::test_b[1]`` -> ``("tests.test_a.TestA", "test_b[1]")``), as
    pytest's ``junitxml.mangle_test_address`` computes it."""
    path, bracket, params = test_id.partition("[")
    names = path.split("::")
    names[0] = re.sub(r"\.py$", "", names[0].replace("/", "."))
    names[-1] += bracket + params
    return ".".join(names[:-1]), names[-1]


def junit_outcomes(xml: bytes | str, tests: list[str]) -> dict[str, bool]:
    """Each test's pass status from a JUnit XML report (a test absent from it: False).

    Raises:
        xml.etree.ElementTree.ParseError: the report is not XML.
    """
    root = ElementTree.fromstring(xml)
    found: dict[tuple[str, str], bool] = {}
    for case in root.iter("testcase"):
        address = (case.get("classname", ""), case.get("name", ""))
        passed = True
        for child in case:
            if child.tag in ("failure", "error"):
                passed = False
            elif child.tag == "skipped" and child.get("type") != "pytest.xfail":
                passed = False
        found[address] = found.get(address, True) and passed
    return {test: found.get(junit_address(test), False) for test in tests}
