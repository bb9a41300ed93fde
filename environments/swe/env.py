"""``swe/local-v0`` and ``swe/tasks-v0``: fix a repository's bug in a Docker sandbox, judged by
hidden tests.

``reset`` starts a sandbox (the base image, or the task's ``image``), puts the repository at its
starting state in ``/workspace`` (a bundled task's files, or the task's ``setup`` commands), and
shows the issue with the tool instructions. Each step is one tool call
(:mod:`environments.swe.tools`), run by :mod:`environments.swe.toolbox`; a malformed call is
answered with what to fix. ``submit`` — or running out of ``max_steps`` tool calls — ends
the episode with the evaluation: the workspace's diff against its start is the agent's patch; the hidden test patch
is applied and the ``FAIL_TO_PASS`` and ``PASS_TO_PASS`` tests run; the reward is 1.0 only if
all pass. ``info``: ``outcome`` (``no_submit``, ``empty_patch``, ``failing_patch``,
``passing_patch``: the levels of gated rewards), ``rubric`` (each hidden test's pass status),
``patch``, on reset ``reference`` (the gold patch, for information-gain rewards; the agent's
observations never show it), the step signals ``tool_ok`` and ``modified``, and the episode metrics ``completed``
(submitted), ``modified_repo`` and ``resolved``. A sandbox that dies mid-episode ends the
episode as truncated with ``info["error"]``; the next reset starts a new one.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

from agentgym.env import StepResult, TextEnv
from environments.swe.tasks import SWETask, load_tasks
from environments.swe.toolbox import run_tool
from environments.swe.tools import ToolCallError, parse_tool_call

BUNDLED = Path(__file__).resolve().parent / "bundled"
INSTRUCTIONS = """You are working in the repository at /workspace. Use one tool per answer, as a fenced block:
```bash
<command>
```
```view PATH [START END]
```
```edit PATH
<<<<<<< SEARCH
<exact text to replace, found once in the file>
=======
<new text>
>>>>>>> REPLACE
```
```create PATH
<content of a new file>
```
```submit
```
(or an OpenAI-style tool call). Submit when the issue is fixed."""
_RESULT = re.compile(r"^(PASSED|FAILED|ERROR|XFAIL|XPASS|SKIPPED)\s+(\S+)", re.M)


def bundled_tasks() -> dict[str, tuple[SWETask, Path]]:
    """The bundled tasks: instance id -> (task, its folder with ``repo/``)."""
    tasks = {}
    for folder in sorted(p for p in BUNDLED.iterdir() if (p / "task.json").is_file()):
        record = json.loads((folder / "task.json").read_text())
        record.update(patch=(folder / "gold.patch").read_text(), test_patch=(folder / "test.patch").read_text())
        task = SWETask.from_record(record)
        tasks[task.instance_id] = (task, folder / "repo")
    return tasks


class SWEEnv(TextEnv):
    """Bug-fixing tasks in a sandbox.

    Args:
        tasks: a task file (JSONL or datasets; see :func:`environments.swe.tasks.load_tasks`);
            None plays the bundled tasks.
        image: the sandbox image for tasks without their own.
        test_timeout: seconds the hidden tests may run.
        max_steps: tool calls before the episode is truncated (and evaluated as it stands).
        sandbox: keyword arguments for :class:`sandbox.sandbox.Sandbox` (limits).
    """

    def __init__(self, tasks: str | None = None, image: str | None = None, test_timeout: float = 300.0,
                 max_steps: int = 30, sandbox: dict[str, Any] | None = None, render_mode: str | None = None) -> None:
        super().__init__(render_mode=render_mode)
        if tasks is None:
            self._tasks = bundled_tasks()
        else:
            self._tasks = {t.instance_id: (t, None) for t in load_tasks(tasks)}
        if not self._tasks:
            raise ValueError("no SWE tasks to play")
        if max_steps < 1:
            raise ValueError(f"max_steps must be >= 1, got {max_steps}")
        self.image, self.test_timeout, self.max_steps = image, test_timeout, max_steps
        self.sandbox_kwargs = dict(sandbox or {})
        self._box = None
        self._task: SWETask | None = None

    def _reset(self, options: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        from sandbox.images import DEFAULT_TAG, build_base_image
        from sandbox.sandbox import Sandbox

        ids = sorted(self._tasks)
        name = options.get("task")
        if name is None:
            name = ids[int(self.np_random.integers(len(ids)))]
        if name not in self._tasks:
            raise ValueError(f"unknown SWE task {name!r}; the tasks are {', '.join(ids)}")
        task, repo = self._tasks[name]
        self._close()
        image = task.image or self.image or DEFAULT_TAG
        if image == DEFAULT_TAG:
            build_base_image()
        self._box = Sandbox(image, **self.sandbox_kwargs)
        if repo is not None:
            self._box.copy_in(repo)
        for command in task.setup:
            result = self._box.exec(command, timeout=600)
            if not result.ok:
                raise RuntimeError(f"setup of {task.instance_id} failed: {command}: {result.stderr[-500:]}")
        self._box.mark_start()
        self._task = task
        self._submitted = self._modified = False
        self._steps = 0
        observation = f"{INSTRUCTIONS}\n\nThe issue ({task.repo}):\n{task.problem_statement}"
        info = self._info(goal=task.problem_statement, tool_ok=True, modified=False)
        info["reference"] = task.patch or None  # the gold patch: IGPO's target; never in the observation
        return observation, info

    def _step(self, action: str) -> StepResult:
        self._steps += 1
        try:
            call = parse_tool_call(action)
            if call.name == "submit":
                self._submitted = True
                observation, reward, info = self._evaluate()
                return observation, reward, True, False, info
            result = run_tool(self._box, call)
            observation, info = result.observation, self._info(tool_ok=result.ok, modified=result.modified)
            self._modified |= result.modified
        except ToolCallError as exc:
            observation, info = str(exc), self._info(tool_ok=False, modified=False, action_valid=False)
        except Exception as exc:  # noqa: BLE001 - the sandbox died: end the episode
            return (f"the sandbox failed: {exc}", 0.0, False, True,
                    self._info(tool_ok=False, modified=False, error=f"{type(exc).__name__}: {exc}"))
        if self._steps >= self.max_steps:  # out of steps: judge the workspace as it stands
            verdict, reward, final = self._evaluate()
            return f"{observation}\n\nOut of steps. {verdict}", reward, False, True, final
        return observation, 0.0, False, False, info

    def _evaluate(self) -> tuple[str, float, dict[str, Any]]:
        task, box = self._task, self._box
        patch = box.diff()
        box.write_file("/workspace/.agentgym-tests.patch", task.test_patch)
        applied = box.exec("git apply --whitespace=nowarn .agentgym-tests.patch && rm .agentgym-tests.patch", timeout=60)
        tests = [*task.FAIL_TO_PASS, *task.PASS_TO_PASS]
        status = {test: False for test in tests}
        if applied.ok:
            run = box.exec(f"python3 -m pytest -rA -p no:cacheprovider -q {' '.join(map(shlex.quote, tests))}",
                           timeout=self.test_timeout)
            for outcome, test in _RESULT.findall(run.stdout):
                if test in status:
                    status[test] = outcome in ("PASSED", "XFAIL")
        resolved = applied.ok and all(status.values())
        if not self._submitted:
            outcome = "no_submit"
        elif not patch.strip():
            outcome = "empty_patch"
        else:
            outcome = "passing_patch" if resolved else "failing_patch"
        reward = 1.0 if resolved else 0.0
        failing = [t for t, ok in status.items() if not ok]
        observation = ("All hidden tests pass." if resolved else
                       f"Submitted. {len(failing)} of {len(tests)} hidden tests fail: {', '.join(failing)}")
        info = self._info(tool_ok=True, modified=False, won=reward == 1.0, outcome=outcome, patch=patch,
                          rubric={t: float(ok) for t, ok in status.items()}, resolved=resolved)
        return observation, reward, info

    def _info(self, **extra: Any) -> dict[str, Any]:
        task = self._task
        return {"task_id": f"swe/{task.instance_id}", "completed": self._submitted, "modified_repo": self._modified,
                "won": False, "lost": False, "admissible_actions": None, "expert_action": None, **extra}

    def _close(self) -> None:
        if self._box is not None:
            self._box.close()
            self._box = None
