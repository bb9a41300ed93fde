"""The LLM curriculum: a language model reads the task space and the learner's recent results
and proposes the next tasks.

Any agentgym policy can be the teacher (``openai:MODEL`` for an API or a local server,
``hf:PATH`` for a local model, a policy object). One ``generate`` call proposes the next ``n``
tasks (``batch_size``; the trainer asks for one RL iteration's tasks at once, so every call
sees the latest results). The prompt is :data:`PROMPT_TEMPLATE` (or the user's ``prompt_template``)
with three fields:

* ``{task_space}``: the space as compact JSON (each parameter's type, bounds or options, default);
* ``{history}``: the recent results per task as JSON (task, times played, mean and last result);
* ``{n}``: how many tasks to propose.

The answer is parsed as JSON (a list of task objects, ``{"tasks": [...]}``, or one object;
inside a fenced code block or surrounded by prose). Each proposal is validated against the space:
out-of-range numbers are clipped to the bounds (``clip=True``) or rejected, unknown parameters,
wrong types and unknown options are rejected; each clip and rejection is logged with its reason
(and kept in :attr:`LLMCurriculum.events`). Missing parameters take their defaults; proposals
beyond the ``n`` asked for are ignored.

Whatever goes wrong never stops training: an answer that does not parse, a generation that
comes back with an error, a policy that raises, a call that takes longer than ``timeout_s``
(the call runs in a daemon thread, and while it is still running no second call is made), and
proposals that fail validation are all replaced by tasks from the ``fallback`` sampler (ALP-GMM
or uniform), and counted in :meth:`metrics` (``llm_fallbacks``: tasks that came from the
fallback; ``llm_unparsable``, ``llm_errors``, ``llm_timeouts``: failed calls). Every result
also goes to the fallback, so it is ready when needed.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from agentgym.curriculum.base import TaskSampler
from agentgym.errors import TaskSpaceError
from agentgym.curriculum.llm_call import CallFailed, TimedPolicy, check_prompt_template
from agentgym.policy import Policy, Request, SamplingParams
from agentgym.task_space import TaskSpace

log = logging.getLogger(__name__)

PROMPT_TEMPLATE = """You are the teacher of a learning agent: choose the next {n} tasks it trains on.

Tasks are points of this task space (JSON: each parameter's type, bounds or options, and default):
{task_space}

The agent's recent results per task (result: higher is better; played: how many times):
{history}

Choose tasks where the agent is making progress: neither mastered (result near its best) nor
hopeless (no success yet on easier tasks). Move to harder tasks as easier ones are mastered. Vary them.
Answer with only a JSON list of {n} objects, each mapping every parameter name to a value."""
"""The default prompt (fields ``{task_space}``, ``{history}``, ``{n}``; write literal braces as ``{{``)."""

PROMPT_FIELDS = ("task_space", "history", "n")
_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)
MAX_EVENTS = 50


def check_template(template: str) -> None:
    """Raise ``ValueError`` unless ``template`` formats with only the curriculum prompt's fields."""
    check_prompt_template(template, "curriculum", task_space="", history="", n=0)


def parse_proposals(text: str) -> list[Any]:
    """The proposals in an LLM's answer: a JSON list, ``{"tasks": [...]}`` or one object,
    alone, in a fenced code block or after some prose.

    Raises:
        ValueError: no JSON value of those shapes in ``text`` (the message says what was found).
    """
    candidates = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    decoder = json.JSONDecoder()
    for candidate in candidates:
        for start in [i for i, c in enumerate(candidate) if c in "[{"][:20]:
            try:
                value, _ = decoder.raw_decode(candidate, start)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict) and isinstance(value.get("tasks"), list):
                return list(value["tasks"])
            if isinstance(value, list):
                return value
            if isinstance(value, dict):
                return [value]
    raise ValueError(f"no JSON list of tasks in the answer: {text[:200]!r}")


class LLMCurriculum(TaskSampler):
    """Tasks proposed by a language model (module docstring).

    Args:
        space: the task space.
        rng: the randomness of the requests' sampling seeds.
        policy: the teacher: a policy, or a policy name for :func:`agentgym.make_policy`
            (made on first use, with ``policy_kwargs``).
        fallback: the sampler that replaces what the LLM could not give (it gets every result too).
        batch_size: tasks proposed per call.
        prompt_template: the prompt (:data:`PROMPT_TEMPLATE` when empty).
        history: at most this many distinct tasks (the most recently played) in ``{history}``.
        window: results kept for the history (the most recent).
        clip: clip out-of-range numbers to the bounds (else reject the proposal).
        temperature, max_new_tokens: the teacher's sampling.
        timeout_s: seconds a call may take before the fallback is used.
    """

    name = "llm"

    def __init__(self, space: TaskSpace, rng: np.random.Generator, *, policy: Policy | str, fallback: TaskSampler,
                 batch_size: int = 8, prompt_template: str = "", history: int = 30, window: int = 200, clip: bool = True,
                 temperature: float = 0.7, max_new_tokens: int = 512, timeout_s: float = 120.0,
                 policy_kwargs: Mapping[str, Any] | None = None) -> None:
        super().__init__(space, rng)
        if fallback.space is not space:
            raise ValueError("the fallback sampler must choose in the same task space")
        if batch_size < 1 or history < 1 or window < 1 or max_new_tokens < 1 or timeout_s <= 0 or temperature < 0:
            raise ValueError("the LLM curriculum needs batch_size, history, window, max_new_tokens >= 1, timeout_s > 0 "
                             "and temperature >= 0")
        self.template = prompt_template or PROMPT_TEMPLATE
        check_template(self.template)
        self.caller = TimedPolicy(policy, timeout_s=timeout_s, policy_kwargs=policy_kwargs, thread_name="agentgym-llm-curriculum")
        self.fallback = fallback
        self.batch_size, self.history_size, self.window, self.clip = batch_size, history, window, clip
        self.sampling = (temperature, max_new_tokens)
        self.timeout_s = timeout_s
        self.queue: list[dict[str, Any]] = []
        self.recent: list[tuple[dict[str, Any], float]] = []
        self.counts = {"calls": 0, "tasks": 0, "clipped": 0, "rejected": 0, "fallbacks": 0,
                       "unparsable": 0, "errors": 0, "timeouts": 0}
        self.events: list[str] = []  # the latest clips, rejections and failures, with their reasons

    # sampling ----------------------------------------------------------------------------
    def sample(self) -> dict[str, Any]:
        if not self.queue:
            self.queue = self._propose(self.batch_size)
        return self.queue.pop(0)

    def prompt(self, n: int) -> str:
        """The prompt asking for ``n`` tasks now."""
        return self.template.format(task_space=json.dumps(self.space.describe()), history=json.dumps(self.history()), n=n)

    def history(self) -> list[dict[str, Any]]:
        """Per distinct task, most recently played first: the task, times played, mean and last result."""
        by_task: dict[str, list[float]] = {}
        tasks: dict[str, dict[str, Any]] = {}
        for task, result in self.recent:
            key = json.dumps(task, sort_keys=True)
            by_task.setdefault(key, []).append(result)
            tasks[key] = task
        latest = list(dict.fromkeys(json.dumps(t, sort_keys=True) for t, _ in reversed(self.recent)))
        return [{"task": tasks[key], "played": len(by_task[key]), "mean_result": round(float(np.mean(by_task[key])), 4),
                 "last_result": round(by_task[key][-1], 4)} for key in latest[:self.history_size]]

    def _propose(self, n: int) -> list[dict[str, Any]]:
        """``n`` tasks: the LLM's valid proposals first, the fallback's for the rest."""
        seed = int(self.rng.integers(2**31))  # drawn whatever happens, so the RNG stream does not depend on failures
        self.counts["calls"] += 1
        tasks: list[dict[str, Any]] = []
        try:
            text = self._generate(self.prompt(n), seed)
            proposals = parse_proposals(text)
        except CallFailed as failure:
            self.counts[failure.kind] += 1
            self._event(f"LLM curriculum call failed ({failure.kind}): {failure}; using the fallback")
        except ValueError as exc:
            self.counts["unparsable"] += 1
            self._event(f"LLM curriculum answer unparsable: {exc}; using the fallback")
        else:
            tasks = self._validated(proposals)[:n]
        missing = n - len(tasks)
        self.counts["tasks"] += len(tasks)
        self.counts["fallbacks"] += missing
        return tasks + [self.fallback.sample() for _ in range(missing)]

    def _generate(self, prompt: str, seed: int) -> str:
        temperature, max_new_tokens = self.sampling
        request = Request(messages=[{"role": "user", "content": prompt}],
                          sampling=SamplingParams(temperature=temperature, max_new_tokens=max_new_tokens, seed=seed))
        answer = self.caller.generate([request])[0]
        if answer.error:
            raise CallFailed("errors", f"the generation failed: {answer.error}")
        return answer.text

    def _validated(self, proposals: list[Any]) -> list[dict[str, Any]]:
        out = []
        for index, proposal in enumerate(proposals):
            try:
                out.append(self.space.validate(proposal))
                continue
            except TaskSpaceError as exc:
                reason = str(exc)
            if self.clip:  # valid once clipped: only out of range
                try:
                    out.append(self.space.validate(proposal, clip=True))
                    self.counts["clipped"] += 1
                    self._event(f"LLM proposal {index} {proposal!r} clipped to the bounds: {reason}")
                    continue
                except TaskSpaceError as exc:
                    reason = str(exc)
            self.counts["rejected"] += 1
            self._event(f"LLM proposal {index} {proposal!r} rejected: {reason}")
        return out

    def _event(self, message: str) -> None:
        log.warning(message)
        self.events = [*self.events, message][-MAX_EVENTS:]

    # learning ----------------------------------------------------------------------------
    def _record(self, task: dict[str, Any], result: float) -> None:
        self.recent = [*self.recent, (task, result)][-self.window:]
        self.fallback.update(task, result)

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "queue": self.queue, "recent": [[t, r] for t, r in self.recent],
                "counts": dict(self.counts), "fallback": self.fallback.state_dict()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        super().load_state_dict(state)
        self.queue = [dict(t) for t in state["queue"]]
        self.recent = [(dict(t), float(r)) for t, r in state["recent"]]
        self.counts = {**self.counts, **state["counts"]}
        self.fallback.load_state_dict(state["fallback"])

    def metrics(self) -> dict[str, float]:
        return {**super().metrics(), **{f"llm_{k}": float(v) for k, v in self.counts.items()},
                **{f"fallback_{k}": v for k, v in self.fallback.metrics().items() if k != "updates"}}
