"""``scienceworld/<task>-v0`` and ``scienceworld/mixed-v0``.

The env talks to ScienceWorld's server directly: a step is the action plus the score and the
completion flag, three calls into the JVM. Upstream's ``ScienceWorldEnv.step`` also fetches the
room, inventory, task description and every valid action-object combination on each step
(~20 ms of the JVM's time); here the valid combinations are computed only with
``admissible=True``, and the subgoal progress only when the score moved (ScienceWorld's score
is made of its subgoals, so the rubric cannot change without it).

* ``reset(seed)`` picks a variation of the chosen split (ScienceWorld's own train / dev / test
  lists) deterministically; ``options={"variation": i}`` names one (any valid index), for
  ``mixed-v0`` ``options={"task": name}`` names the task, and ``options={"simplifications":
  "easy"}`` overrides the env's simplifications for one episode.
* ``score`` is ScienceWorld's 0-100 score, the reward its change; ``won`` = completed with score
  100, ``lost`` = ScienceWorld's failure (a negative score); either terminates.
* ``expert_action`` comes from ScienceWorld's gold path (``expert=True``; generating it costs
  1.5-3 s per reset) while the agent has followed it, else None.
* ``reference`` (reset only, with ``expert=True``): the gold path joined with "; ", the target
  of information-gain rewards (IGPO).
* ``rubric``: the sequential subgoals of ScienceWorld's goal progress, each 0 or 1.
* Object listings are sorted (:func:`canonical`): ScienceWorld's order changes between loads.
* One JVM per env, started at the first reset (~1 s), stopped by ``close()``, never outliving
  the Python process. If the JVM dies mid-episode, the step ends the episode as truncated with
  ``info["error"]``, and the next reset starts a new JVM.
"""

from __future__ import annotations

import re
import shutil
from typing import Any

from agentgym.env import StepResult, TextEnv
from environments.scienceworld.jvm import JAVA_INSTALL_HINT, EngineError, ScienceWorldJVM
from environments.scienceworld.tasks import SIMPLIFICATIONS, SPLITS, TASKS

_SUBGOAL = re.compile(r"^\d+\t(true|false)\t\s*\S+\t(.+)$")
_INVALID = ("No known action matches that input.", "Ambiguous request")


def _check_simplifications(simplifications: str) -> str:
    if not isinstance(simplifications, str):
        raise ValueError(f"simplifications must be a comma-separated str, got {simplifications!r}")
    unknown = [s for s in simplifications.split(",") if s and s not in SIMPLIFICATIONS]
    if unknown:
        raise ValueError(f"unknown simplification(s) {unknown}; choose from {', '.join(SIMPLIFICATIONS)}")
    return simplifications


def canonical(text: str) -> str:
    """``text`` with every run of tab-indented listing lines sorted.

    ScienceWorld lists what a room or container holds in an order that changes between loads
    of the same variation in one JVM (its objects sit in hash sets); the content is the same.
    Sorting the listing makes the same seed give the same text, as the contract requires.
    """
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        if not lines[i].startswith("\t"):
            out.append(lines[i])
            i += 1
            continue
        j = i
        while j < len(lines) and lines[j].startswith("\t"):
            j += 1
        out.extend(sorted(lines[i:j]))
        i = j
    return "\n".join(out)


class ScienceWorldEnv(TextEnv):
    """One ScienceWorld task (or all of them: ``task="mixed"``).

    Args:
        task: a task name of :data:`~environments.scienceworld.tasks.TASKS`, or ``"mixed"``.
        split: ``"train"``, ``"dev"`` or ``"test"``: which variations ``reset(seed)`` draws from.
        simplifications: ``"easy"`` or a comma-separated list of ScienceWorld's simplifications.
        admissible: list the valid actions in ``info["admissible_actions"]`` (~20 ms a step).
        expert: generate the gold path for ``info["expert_action"]`` (1.5-3 s a reset).
        jvm_heap: the JVM's ``-Xmx``.
        render_mode: ``"ansi"``, ``"human"`` or None.
    """

    def __init__(
        self,
        task: str = "boil",
        split: str = "train",
        simplifications: str = "",
        admissible: bool = False,
        expert: bool = False,
        jvm_heap: str = "1g",
        render_mode: str | None = None,
    ) -> None:
        super().__init__(render_mode=render_mode)
        if task != "mixed" and task not in TASKS:
            raise ValueError(f"unknown ScienceWorld task {task!r}; choose from mixed, {', '.join(TASKS)}")
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
        _check_simplifications(simplifications)
        if not re.fullmatch(r"\d+[kmgKMG]?", jvm_heap):
            raise ValueError(f"jvm_heap must look like 512m or 2g, got {jvm_heap!r}")
        self.task, self.split, self.simplifications = task, split, simplifications
        self.admissible, self.expert, self.jvm_heap = admissible, expert, jvm_heap
        self._jvm: ScienceWorldJVM | None = None
        self._task_id = ""
        self._gold: list[str] = []
        self._on_gold_path = True
        self._moves = 0
        self._score = 0
        self._rubric: dict[str, float] = {}
        self._variations: dict[str, list[int]] = {}

    # ---- episode ---------------------------------------------------------------------------
    def _reset(self, options: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        if self._jvm is None or not self._jvm.alive:
            self._stop_jvm()
            self._jvm = ScienceWorldJVM(self.jvm_heap)
        server = self._jvm.server
        task = self._choose_task(options)
        if task not in self._variations:  # the lists belong to the loaded task: load it once
            server.load(task, 0, "", False)
            self._variations[task] = list(getattr(server, f"getVariations{self.split.capitalize()}")())
        variation = self._choose_variation(server, task, self._variations[task], options)
        simplifications = _check_simplifications(options.get("simplifications", self.simplifications))
        server.load(task, variation, simplifications, self.expert)
        self._gold = list(server.getGoldActionSequence()) if self.expert else []
        server.reset()
        look = server.step("look around")
        self._task_id = f"scienceworld/{task}:{variation}"
        self._moves, self._on_gold_path = 0, True
        self._score = round(100 * server.getScore())
        self._rubric = self._read_rubric()
        goal = str(server.freeActionTaskDesc()).replace("Task Description:", "").strip()
        info = self._info(action_valid=True)
        info.update(goal=goal, variation=variation, task=task, reference="; ".join(self._gold) or None)
        return f"{goal}\n\n{canonical(str(look))}", info

    def _step(self, action: str) -> StepResult:
        assert self._jvm is not None  # reset started it
        try:
            observation = canonical(str(self._jvm.server.step(action)))
            score = round(100 * self._jvm.server.getScore())
            completed = bool(self._jvm.server.getCompleted())
        except Exception as exc:  # noqa: BLE001 - py4j raises several types for a dead JVM
            if self._jvm.alive:
                raise
            self._stop_jvm()
            error = f"the ScienceWorld JVM died: {type(exc).__name__}: {exc}"
            info = {"task_id": self._task_id, "action_valid": False, "error": error, "score": float(self._score)}
            return f"The simulator stopped ({error}).", 0.0, False, True, info
        valid = not observation.startswith(_INVALID)
        if self._on_gold_path and (self._moves >= len(self._gold) or action.strip() != self._gold[self._moves]):
            self._on_gold_path = False
        self._moves += 1
        reward = score - self._score
        if reward:
            self._rubric = self._read_rubric()
        self._score = score
        info = self._info(action_valid=valid)
        return observation, float(reward), completed or score < 0, False, info

    def check_ready(self) -> None:
        """A Java runtime must be on PATH (the JVM itself starts at the first reset)."""
        if shutil.which("java") is None:
            raise EngineError(f"ScienceWorld needs Java, and no `java` is on PATH: {JAVA_INSTALL_HINT}")

    def _close(self) -> None:
        self._stop_jvm()

    # ---- helpers ---------------------------------------------------------------------------
    def _choose_task(self, options: dict[str, Any]) -> str:
        if self.task != "mixed":
            if "task" in options and options["task"] != self.task:
                raise ValueError(f"this env plays {self.task!r}; make scienceworld/mixed-v0 to choose tasks")
            return self.task
        task = options.get("task")
        if task is None:
            return list(TASKS)[int(self.np_random.integers(len(TASKS)))]
        if task not in TASKS:
            raise ValueError(f"unknown ScienceWorld task {task!r}; choose from {', '.join(TASKS)}")
        return task

    def _choose_variation(self, server: Any, task: str, variations: list[int], options: dict[str, Any]) -> int:
        if "variation" not in options:
            return int(variations[int(self.np_random.integers(len(variations)))])
        variation = options["variation"]
        count = int(server.getTaskMaxVariations(task))
        if isinstance(variation, bool) or not isinstance(variation, int) or not 0 <= variation < count:
            raise ValueError(f"variation must be an int in [0, {count}) for {task}, got {variation!r}")
        return variation

    def _read_rubric(self) -> dict[str, float]:
        """The sequential subgoals of ScienceWorld's goal progress, 1.0 when met."""
        progress = str(self._jvm.server.getGoalProgressStr())
        section = progress.split("Sequential Subgoals:", 1)[-1].split("Unordered and Optional Subgoals:", 1)[0]
        rubric = {}
        for line in section.splitlines():
            match = _SUBGOAL.match(line.strip("\n"))
            if match:
                rubric[match.group(2).strip()] = 1.0 if match.group(1) == "true" else 0.0
        return rubric

    def _info(self, action_valid: bool) -> dict[str, Any]:
        server = self._jvm.server
        return {
            "task_id": self._task_id,
            "action_valid": action_valid,
            "score": float(self._score),
            "max_score": 100.0,
            "won": self._score >= 100,
            "lost": self._score < 0,
            "rubric": dict(self._rubric),
            "expert_action": self._gold[self._moves] if self.expert and self._on_gold_path and self._moves < len(self._gold) else None,
            "admissible_actions": sorted(set(server.getValidActionObjectCombinations())) if self.admissible else None,
        }

    def _stop_jvm(self) -> None:
        if self._jvm is not None:
            self._jvm.close()
            self._jvm = None


__all__ = ["EngineError", "ScienceWorldEnv"]
