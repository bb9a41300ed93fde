"""``swe/local-v0`` and ``swe/tasks-v0``: fix a repository's bug in a Docker sandbox, judged by
hidden tests.

``reset`` starts a sandbox (the base image, or the task's ``image``), puts the repository at its
starting state in the task's ``workdir`` (``/workspace`` by default; a bundled task's files, or
the task's ``setup`` commands), and shows the issue with the tool instructions. Each step is one
tool call (:mod:`environments.swe.tools`), run by :mod:`environments.swe.toolbox`; a malformed
call is answered with what to fix. ``submit`` — or running out of ``max_steps`` tool calls —
ends the episode with the evaluation (:mod:`environments.swe.evaluation`): the workspace's diff
against its start is the agent's patch; the agent's leftover processes are stopped; test files
and pytest's configuration the agent changed (every ``conftest.py``, ``pytest.ini``, the
pytest section of ``pyproject.toml`` / ``setup.cfg`` / ``tox.ini``, files the test patch
touches or the tests live in, modules shadowing pytest) go back to their start; the hidden test
patch is applied and the ``FAIL_TO_PASS`` and ``PASS_TO_PASS`` tests run with the task's
``test_cmd``; each test's outcome comes from pytest's JUnit XML report, not the console; the
reward is 1.0 only if all pass.

``info``: ``outcome`` (``no_submit``, ``empty_patch``, ``failing_patch``, ``passing_patch``:
the levels of gated rewards), ``rubric`` (each hidden test's pass status), ``patch``,
``reset_files`` (what the evaluation put back), ``evaluation_error`` (the test patch did not
apply, the tests ran out of time or wrote no report; None otherwise), on reset ``reference``
(the gold patch, for information-gain rewards; the agent's observations never show it), the
step signals ``tool_ok`` and ``modified``, and the episode metrics ``completed`` (submitted),
``modified_repo`` and ``resolved``. A sandbox that dies mid-episode (or during the evaluation)
ends the episode as truncated with ``info["error"]``; the next reset starts a new one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agentgym.env import StepResult, TextEnv
from environments.swe.evaluation import Verdict, judge
from environments.swe.tasks import DEFAULT_WORKDIR, SWETask, SWETaskError, load_tasks
from environments.swe.toolbox import run_tool
from environments.swe.tools import ToolCallError, parse_tool_call

BUNDLED = Path(__file__).resolve().parent / "bundled"
INSTRUCTIONS = """You are working in the repository at {workdir}. Use one tool per answer, as a fenced block:
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

    A task whose image was built with :meth:`build_task_images` (or
    :func:`sandbox.images.build_task_image`) starts from that image: no copying, no setup. A
    task whose ``workdir`` is not the base image's ``/workspace`` gets its image built at its
    first reset (the directory must exist, owned by the agent user, in the image).
    """

    def __init__(self, tasks: str | None = None, image: str | None = None, test_timeout: float = 300.0,
                 max_steps: int = 30, sandbox: dict[str, Any] | None = None, render_mode: str | None = None) -> None:
        super().__init__(render_mode=render_mode)
        if tasks is None:
            self._tasks = bundled_tasks()
        else:
            self._tasks = {t.instance_id: (t, None) for t in load_tasks(tasks)}
        if not self._tasks:
            raise SWETaskError("no SWE tasks to play: the task file is empty")
        if max_steps < 1:
            raise SWETaskError(f"max_steps must be >= 1, got {max_steps}")
        self.image, self.test_timeout, self.max_steps = image, test_timeout, max_steps
        self.sandbox_kwargs = dict(sandbox or {})
        self._box = None
        self._task: SWETask | None = None

    def build_task_images(self) -> dict[str, str]:
        """Bake each task's repository and setup into an image of its own (tasks with their own
        ``image`` excepted), so resets skip copying and setup; returns instance id -> tag.
        Offline; an image already built for the same content is reused."""
        from sandbox.images import DEFAULT_TAG, build_task_image

        return {name: build_task_image(task, repo, self.image or DEFAULT_TAG)
                for name, (task, repo) in sorted(self._tasks.items()) if not task.image}

    def _reset(self, options: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        from sandbox.images import DEFAULT_TAG, build_base_image, build_task_image, task_image
        from sandbox.sandbox import Sandbox

        ids = sorted(self._tasks)
        name = options.get("task")
        if name is None:
            name = ids[int(self.np_random.integers(len(ids)))]
        if name not in self._tasks:
            raise SWETaskError(f"unknown SWE task {name!r}; the tasks are {', '.join(ids)}")
        task, repo = self._tasks[name]
        self._close()
        image = task.image or self.image or DEFAULT_TAG
        if image == DEFAULT_TAG:
            build_base_image()
        baked = None if task.image else task_image(task, repo, image)  # built by build_task_images()
        if baked is None and not task.image and task.workdir != DEFAULT_WORKDIR:
            baked = build_task_image(task, repo, image)  # only an image can hand the agent a new directory
        self._box = Sandbox(baked or image, **{**self.sandbox_kwargs, "workspace": task.workdir})
        if baked is None:
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
        observation = f"{INSTRUCTIONS.format(workdir=task.workdir)}\n\nThe issue ({task.repo}):\n{task.problem_statement}"
        info = self._info(goal=task.problem_statement, tool_ok=True, modified=False)
        info["reference"] = task.patch or None  # the gold patch: IGPO's target; never in the observation
        return observation, info

    def _step(self, action: str) -> StepResult:
        self._steps += 1
        try:
            try:
                call = parse_tool_call(action)
            except ToolCallError as exc:
                call, observation = None, str(exc)
                info = self._info(tool_ok=False, modified=False, action_valid=False)
            if call is not None and call.name == "submit":
                self._submitted = True
                observation, reward, info = self._evaluate()
                return observation, reward, True, False, info
            if call is not None:
                result = run_tool(self._box, call)
                observation, info = result.observation, self._info(tool_ok=result.ok, modified=result.modified)
                self._modified |= result.modified
            if self._steps >= self.max_steps:  # out of steps: judge the workspace as it stands
                verdict, reward, final = self._evaluate()
                return f"{observation}\n\nOut of steps. {verdict}", reward, False, True, final
        except Exception as exc:  # noqa: BLE001 - the sandbox died (in the tool or the evaluation): end the episode
            return (f"the sandbox failed: {exc}", 0.0, False, True,
                    self._info(tool_ok=False, modified=False, error=f"{type(exc).__name__}: {exc}"))
        return observation, 0.0, False, False, info

    def _evaluate(self) -> tuple[str, float, dict[str, Any]]:
        task = self._task
        verdict = judge(self._box, task, self.test_timeout, task.test_cmd)
        if not self._submitted:
            outcome = "no_submit"
        elif not verdict.patch.strip():
            outcome = "empty_patch"
        else:
            outcome = "passing_patch" if verdict.resolved else "failing_patch"
        reward = 1.0 if verdict.resolved else 0.0
        info = self._info(tool_ok=True, modified=False, won=reward == 1.0, outcome=outcome, patch=verdict.patch,
                          rubric={t: float(ok) for t, ok in verdict.status.items()}, resolved=verdict.resolved,
                          reset_files=verdict.reset_files, evaluation_error=verdict.test_patch_error or verdict.run_error)
        return _verdict_text(verdict), reward, info

    def _info(self, **extra: Any) -> dict[str, Any]:
        task = self._task
        return {"task_id": f"swe/{task.instance_id}", "completed": self._submitted, "modified_repo": self._modified,
                "won": False, "lost": False, "admissible_actions": None, "expert_action": None, **extra}

    def check_ready(self) -> None:
        """A Docker engine must answer (:class:`sandbox.engine.EngineUnavailable` says how to start one)."""
        from sandbox.engine import client

        client()

    def _close(self) -> None:
        if self._box is not None:
            self._box.close()
            self._box = None


def _verdict_text(verdict: Verdict) -> str:
    """What the agent reads at the end (which tests fail; never the hidden tests' code)."""
    if verdict.test_patch_error is not None:
        first = verdict.test_patch_error.splitlines()[0] if verdict.test_patch_error else "no reason given"
        return f"The hidden tests could not be added to the repository (their patch does not apply: {first}); none ran."
    if verdict.resolved:
        return "All hidden tests pass."
    why = f" ({verdict.run_error})" if verdict.run_error else ""
    return f"{len(verdict.failing)} of {len(verdict.status)} hidden tests fail{why}: {', '.join(verdict.failing)}"
