"""Subgoal teachers: a task's goal and first observation in, an ordered list of subgoals out.

"Words as Beacons" (Ruiz-Gonzalez et al. 2024, arXiv:2410.08632): a teacher decomposes a
sparse-reward task into subgoals; the learner is rewarded for completing them
(:func:`agentgym.algos.subgoal_bonus`) and, during training only, shown the current one.

* :class:`ExpertTeacher` reads what the env knows at reset: its rubric (``info["rubric"]``,
  ordered criteria such as the toy task's "take the red key", "unlock the red door", "take the
  gold coin", or ALFWorld's and ScienceWorld's subgoals; each subgoal is then detected by its
  criterion) or its reference solution (``info["reference"]``, commands joined with "; ":
  TextWorld's walkthrough, ScienceWorld's gold path, the toy task's plan; each command is a
  subgoal, detected when played, the last one also by the score reaching ``max_score``).
* :class:`LLMTeacher` asks a language model (any agentgym policy: ``openai:MODEL``,
  ``hf:PATH``) with the goal and the first observation. Its answer is read robustly
  (:func:`agentgym.curriculum.subgoals.parse_subgoals`); a subgoal whose words are a rubric
  criterion's gets that criterion. Plans are cached per task (``info["task_id"]``), and the
  tasks of one call are deduplicated, so a group of episodes of one task asks once. An answer
  without a list, an error, a call over ``timeout_s`` never stop training: the ``fallback``
  teacher's plan (default: the expert's) is used, and each is counted.

Teachers work on batches (:meth:`Teacher.plans`): the LLM teacher asks about all the tasks of
a batch in one ``generate`` call.
"""

from __future__ import annotations

import hashlib
import logging
import re
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from agentgym.curriculum.completion import normalize
from agentgym.curriculum.llm_call import CallFailed, TimedPolicy, check_prompt_template
from agentgym.curriculum.subgoals import Subgoal, SubgoalPlan, clean_subgoal, parse_subgoals
from agentgym.policy import Policy, Request, SamplingParams

log = logging.getLogger(__name__)

EXPERT_SOURCES = ("auto", "rubric", "reference")
TEACHER_PROMPT = """You are the teacher of an agent playing a text game. Split its task into a short ordered list of subgoals: each one short instruction in the game's own words (for example "take the red key", "unlock the red door"), at most {max_subgoals}.

Task: {goal}

What the agent sees first:
{observation}

Answer with only a JSON list of strings, in order."""
"""The default prompt (fields ``{goal}``, ``{observation}``, ``{max_subgoals}``; literal braces as ``{{``)."""


@dataclass
class TaskContext:
    """What a teacher sees of a task: the reset's observation and info (its goal and task id)."""

    observation: str
    info: Mapping[str, Any] = field(default_factory=dict)

    @property
    def goal(self) -> str:
        goal = self.info.get("goal")
        return goal if isinstance(goal, str) and goal else self.observation.split("\n", 1)[0]

    @property
    def key(self) -> str:
        """The cache key of the task: its ``task_id`` and goal (a digest of the goal and first
        observation when the env gives no task id)."""
        task_id = self.info.get("task_id")
        if isinstance(task_id, str) and task_id:
            return f"{task_id}\n{self.goal}"
        return hashlib.sha256(f"{self.goal}\n{self.observation}".encode()).hexdigest()


class Teacher(ABC):
    """Subgoals for tasks; :meth:`metrics` are cumulative counters."""

    name: str = ""

    def plans(self, contexts: Sequence[TaskContext]) -> list[SubgoalPlan]:
        """One plan per context, in order."""
        return [self.plan(context) for context in contexts]

    @abstractmethod
    def plan(self, context: TaskContext) -> SubgoalPlan:
        """The subgoals of one task."""

    def metrics(self) -> dict[str, float]:
        return {}


def descriptive(criterion: str) -> bool:
    """Whether a rubric criterion reads as an instruction ("take the red key"), not a label
    ("quest 1") or a test id (``tests/test_x.py::test_y``)."""
    words = criterion.split()
    return len(words) >= 2 and not words[-1].isdigit() and not re.search(r"::|/|\.py\b", criterion)


class ExpertTeacher(Teacher):
    """Subgoals from what the env knows (module docstring).

    Args:
        source: ``rubric``, ``reference``, or ``auto``: the rubric when all its criteria read as
            instructions (:func:`descriptive`), else the reference when it is a command list.
    """

    name = "expert"

    def __init__(self, source: str = "auto") -> None:
        if source not in EXPERT_SOURCES:
            raise ValueError(f"unknown expert source {source!r}; choose from {', '.join(EXPERT_SOURCES)}")
        self.source = source
        self.counts = {"plans": 0, "empty": 0}

    def plan(self, context: TaskContext) -> SubgoalPlan:
        plan = SubgoalPlan()
        if self.source in ("auto", "rubric"):
            plan = rubric_plan(context.info, require_descriptive=self.source == "auto")
        if not plan.subgoals and self.source in ("auto", "reference"):
            plan = reference_plan(context.info)
        self.counts["plans" if plan.subgoals else "empty"] += 1
        return plan

    def metrics(self) -> dict[str, float]:
        return {f"expert_{k}": float(v) for k, v in self.counts.items()}


def rubric_plan(info: Mapping[str, Any], *, require_descriptive: bool = False) -> SubgoalPlan:
    """One subgoal per rubric criterion not met yet, in the rubric's order."""
    rubric = info.get("rubric")
    if not isinstance(rubric, Mapping) or not rubric:
        return SubgoalPlan()
    if require_descriptive and not all(descriptive(str(k)) for k in rubric):
        return SubgoalPlan()
    subgoals = [Subgoal(text, criterion=str(key)) for key, value in rubric.items()
                if float(value) < 1.0 and (text := clean_subgoal(str(key))) is not None]
    return SubgoalPlan(subgoals, "rubric") if subgoals else SubgoalPlan()


def reference_plan(info: Mapping[str, Any]) -> SubgoalPlan:
    """One subgoal per command of ``info["reference"]`` ("; "-joined); the last one is also done
    when the score reaches ``info["max_score"]``. A reference over several lines (a patch) is
    not a command list: no plan."""
    reference = info.get("reference")
    if not isinstance(reference, str) or not reference.strip() or "\n" in reference.strip():
        return SubgoalPlan()
    commands = [c for c in (clean_subgoal(part) for part in reference.split(";")) if c is not None]
    if not commands:
        return SubgoalPlan()
    top = info.get("max_score")
    final_score = float(top) if isinstance(top, (int, float)) and not isinstance(top, bool) and top > 0 else None
    subgoals = [Subgoal(c, command=c) for c in commands[:-1]] + [Subgoal(commands[-1], command=commands[-1], score=final_score)]
    return SubgoalPlan(subgoals, "reference")


class LLMTeacher(Teacher):
    """Subgoals from a language model (module docstring).

    Args:
        policy: a policy, or a policy name (made on first use with ``policy_kwargs``).
        fallback: the teacher whose plan replaces a failed answer (None: no subgoals then).
        prompt_template: the prompt (:data:`TEACHER_PROMPT` when empty).
        max_subgoals: at most this many subgoals are kept.
        temperature, max_new_tokens: the model's sampling.
        timeout_s: seconds a call may take before the fallback is used.
        cache_size: plans kept (the most recently used tasks).
    """

    name = "llm"

    def __init__(self, policy: Policy | str, *, fallback: Teacher | None = None, prompt_template: str = "",
                 max_subgoals: int = 8, temperature: float = 0.0, max_new_tokens: int = 256, timeout_s: float = 60.0,
                 cache_size: int = 4096, policy_kwargs: Mapping[str, Any] | None = None) -> None:
        if max_subgoals < 1 or max_new_tokens < 1 or cache_size < 1 or temperature < 0:
            raise ValueError("the LLM teacher needs max_subgoals, max_new_tokens, cache_size >= 1 and temperature >= 0")
        self.template = prompt_template or TEACHER_PROMPT
        check_teacher_template(self.template)
        self.caller = TimedPolicy(policy, timeout_s=timeout_s, policy_kwargs=policy_kwargs, thread_name="agentgym-subgoal-teacher")
        self.fallback = fallback
        self.max_subgoals, self.sampling = max_subgoals, (temperature, max_new_tokens)
        self.cache: OrderedDict[str, list[str]] = OrderedDict()
        self.cache_size = cache_size
        self.counts = {"calls": 0, "plans": 0, "cache_hits": 0, "fallbacks": 0, "unparsable": 0, "errors": 0, "timeouts": 0}
        self.events: list[str] = []  # the latest failures, with their reasons

    def prompt(self, context: TaskContext) -> str:
        return self.template.format(goal=context.goal, observation=context.observation, max_subgoals=self.max_subgoals)

    def plan(self, context: TaskContext) -> SubgoalPlan:
        return self.plans([context])[0]

    def plans(self, contexts: Sequence[TaskContext]) -> list[SubgoalPlan]:
        keys = [context.key for context in contexts]
        asked = [k for k in dict.fromkeys(keys) if k not in self.cache]
        self.counts["cache_hits"] += len(keys) - len(asked)  # plans not asked for: cached, or a task asked once per batch
        failed = self._ask({k: contexts[keys.index(k)] for k in asked}) if asked else {}
        out = []
        for key, context in zip(keys, contexts):
            if key in self.cache:
                self.cache.move_to_end(key)
                self.counts["plans"] += 1
                out.append(SubgoalPlan(linked(self.cache[key], context.info), "llm"))
            else:
                self.counts["fallbacks"] += 1
                fallback = self.fallback.plan(context) if self.fallback is not None else SubgoalPlan()
                out.append(SubgoalPlan(fallback.subgoals, f"fallback:{fallback.source}"))
                log.debug("LLM teacher fell back for %s: %s", key.split("\n", 1)[0], failed.get(key))
        return out

    def _ask(self, contexts: Mapping[str, TaskContext]) -> dict[str, str]:
        """Ask about ``contexts`` in one call; parsed plans go to the cache, failures come back."""
        temperature, max_new_tokens = self.sampling
        requests = [Request(messages=[{"role": "user", "content": self.prompt(c)}],
                            sampling=SamplingParams(temperature=temperature, max_new_tokens=max_new_tokens, seed=0))
                    for c in contexts.values()]
        self.counts["calls"] += 1
        try:
            answers = self.caller.generate(requests)
        except CallFailed as failure:
            self.counts[failure.kind] += len(contexts)
            self._event(f"LLM teacher call failed ({failure.kind}): {failure}; using the fallback")
            return {key: failure.kind for key in contexts}
        failed = {}
        for key, answer in zip(contexts, answers):
            if answer.error:
                self.counts["errors"] += 1
                failed[key] = "errors"
                self._event(f"LLM teacher generation failed: {answer.error}; using the fallback")
                continue
            try:
                self._remember(key, parse_subgoals(answer.text, self.max_subgoals))
            except ValueError as exc:
                self.counts["unparsable"] += 1
                failed[key] = "unparsable"
                self._event(f"LLM teacher answer unparsable: {exc}; using the fallback")
        return failed

    def _remember(self, key: str, texts: list[str]) -> None:
        self.cache[key] = texts
        self.cache.move_to_end(key)
        while len(self.cache) > self.cache_size:
            self.cache.popitem(last=False)

    def _event(self, message: str) -> None:
        log.warning(message)
        self.events = [*self.events, message][-50:]

    def metrics(self) -> dict[str, float]:
        out = {f"llm_{k}": float(v) for k, v in self.counts.items()}
        return {**out, **(self.fallback.metrics() if self.fallback is not None else {})}


def linked(texts: Sequence[str], info: Mapping[str, Any]) -> list[Subgoal]:
    """LLM subgoals, each tied to the rubric criterion with the same words where there is one
    (so the env, not a matcher, says when it is done)."""
    rubric = info.get("rubric")
    criteria = {normalize(str(k)).rstrip("."): str(k) for k in rubric} if isinstance(rubric, Mapping) else {}
    return [Subgoal(text, criterion=criteria.get(normalize(text))) for text in texts]


def check_teacher_template(template: str) -> None:
    """Raise ``ValueError`` unless ``template`` formats with only the teacher prompt's fields."""
    check_prompt_template(template, "teacher", goal="", observation="", max_subgoals=1)
