"""The LLM judge: was a subgoal completed by this step? For what env signals and matchers cannot tell.

Asynchronous, batched and cached, in the manner of ONI (Zheng et al. 2024, "Online Intrinsic
Rewards for Decision Making Agents from Large Language Model Feedback", arXiv:2410.23022),
whose LLM annotates observations in a thread of its own so the agent never waits on it:

* :meth:`LLMJudge.submit` queues a question (subgoal, action, the env's answer) and returns at
  once with its key; a worker thread asks up to ``batch_size`` queued questions in one
  ``generate`` call, each call with a budget of ``timeout_s`` seconds;
* answers are cached by question (``cache_size`` most recent), so the episodes of a group that
  see the same text, or a task met again, are judged once;
* :meth:`result` is the verdict (True / False) or None while it is pending; :meth:`wait` waits
  for some keys, at most a given time (the rollout waits only at an episode's end, briefly).

A verdict is read from the first "yes" or "no" of the answer. Garbage (neither), an error, a
call over its budget are a "no" for that question, counted (``unparsable``, ``errors``,
``timeouts``), never a stopped rollout.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any

from agentgym.curriculum.llm_call import CallFailed, TimedPolicy, check_prompt_template
from agentgym.policy import Policy, Request, SamplingParams

log = logging.getLogger(__name__)

JUDGE_PROMPT = """Did the agent complete this subgoal with its last action in a text game?

Subgoal: {subgoal}
The agent's last action: {action}
What the game answered:
{observation}

Answer yes or no."""
"""The default prompt (fields ``{subgoal}``, ``{action}``, ``{observation}``)."""

_VERDICT = re.compile(r"\b(yes|no)\b", re.IGNORECASE)
MAX_OBSERVATION_CHARS = 2000  # the judge reads the start of a long answer (a room, a listing) only


def parse_verdict(text: str) -> bool:
    """True for an answer whose first "yes"/"no" word is yes, False for no.

    Raises:
        ValueError: the answer says neither.
    """
    match = _VERDICT.search(text)
    if match is None:
        raise ValueError(f"no yes or no in the judge's answer: {text[:120]!r}")
    return match.group(1).lower() == "yes"


def check_judge_template(template: str) -> None:
    """Raise ``ValueError`` unless ``template`` formats with only the judge prompt's fields."""
    check_prompt_template(template, "judge", subgoal="", action="", observation="")


class LLMJudge:
    """Subgoal verdicts from a language model (module docstring).

    Args:
        policy: a policy, or a policy name (made on first use with ``policy_kwargs``).
        batch_size: questions per call, at most.
        timeout_s: seconds a call may take.
        prompt_template: the prompt (:data:`JUDGE_PROMPT` when empty).
        max_new_tokens: the answer's length (a verdict needs a few tokens).
        cache_size: verdicts kept.
    """

    def __init__(self, policy: Policy | str, *, batch_size: int = 16, timeout_s: float = 30.0, prompt_template: str = "",
                 max_new_tokens: int = 8, cache_size: int = 65536, policy_kwargs: Mapping[str, Any] | None = None) -> None:
        if batch_size < 1 or max_new_tokens < 1 or cache_size < 1:
            raise ValueError("the LLM judge needs batch_size, max_new_tokens and cache_size >= 1")
        self.template = prompt_template or JUDGE_PROMPT
        check_judge_template(self.template)
        self.caller = TimedPolicy(policy, timeout_s=timeout_s, policy_kwargs=policy_kwargs, thread_name="agentgym-subgoal-judge")
        self.batch_size, self.max_new_tokens, self.cache_size = batch_size, max_new_tokens, cache_size
        self.verdicts: OrderedDict[str, bool] = OrderedDict()
        self.queue: dict[str, str] = {}  # key -> prompt, waiting for a call
        self.counts = {"questions": 0, "cache_hits": 0, "calls": 0, "yes": 0, "no": 0, "unparsable": 0, "errors": 0,
                       "timeouts": 0}
        self._cond = threading.Condition()
        self._worker: threading.Thread | None = None
        self._closed = False

    def prompt(self, subgoal: str, action: str, observation: str) -> str:
        return self.template.format(subgoal=subgoal, action=action, observation=observation[:MAX_OBSERVATION_CHARS])

    def submit(self, subgoal: str, action: str, observation: str) -> str:
        """Queue the question (unless answered or queued already); returns its key at once."""
        prompt = self.prompt(subgoal, action, observation)
        key = prompt  # the prompt is the question: equal prompts get one verdict
        with self._cond:
            self.counts["questions"] += 1
            if key in self.verdicts:
                self.counts["cache_hits"] += 1
                self.verdicts.move_to_end(key)
            elif key not in self.queue:
                self.queue[key] = prompt
                self._start()
                self._cond.notify_all()
        return key

    def result(self, key: str) -> bool | None:
        """The verdict, or None while it is pending."""
        with self._cond:
            return self.verdicts.get(key)

    def wait(self, keys: Iterable[str], timeout_s: float) -> bool:
        """Wait until every key has a verdict, at most ``timeout_s`` seconds; whether they all have."""
        keys = list(keys)
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while any(k not in self.verdicts for k in keys):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True

    def close(self) -> None:
        """Stop the worker (a call in flight finishes in its daemon thread); :meth:`submit` starts a new one."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._worker is not None:
            self._worker.join(timeout=1.0)
        self._worker = None

    def metrics(self) -> dict[str, float]:
        with self._cond:
            return {**{f"judge_{k}": float(v) for k, v in self.counts.items()}, "judge_queued": float(len(self.queue))}

    # the worker ------------------------------------------------------------------------------
    def _start(self) -> None:
        self._closed = False
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(target=self._work, name="agentgym-subgoal-judge-worker", daemon=True)
            self._worker.start()

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self.queue and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                batch = dict(list(self.queue.items())[:self.batch_size])
            verdicts, tally = self._ask(batch)
            with self._cond:
                for name, count in tally.items():
                    self.counts[name] += count
                for key, verdict in verdicts.items():
                    self.queue.pop(key, None)
                    self.verdicts[key] = verdict
                    self.verdicts.move_to_end(key)
                while len(self.verdicts) > self.cache_size:
                    self.verdicts.popitem(last=False)
                self._cond.notify_all()
            self.caller.wait_idle()  # a call that ran out of time finishes before the next is made

    def _ask(self, batch: Mapping[str, str]) -> tuple[dict[str, bool], dict[str, int]]:
        """The verdicts of one call, and what to add to the counters."""
        requests = [Request(messages=[{"role": "user", "content": prompt}],
                            sampling=SamplingParams(temperature=0.0, max_new_tokens=self.max_new_tokens, seed=0))
                    for prompt in batch.values()]
        tally = {"calls": 1}
        try:
            answers = self.caller.generate(requests)
        except CallFailed as failure:
            log.warning("LLM judge call failed (%s): %s; %d questions count as not completed", failure.kind, failure, len(batch))
            return {key: False for key in batch}, {**tally, failure.kind: len(batch)}
        out = {}
        for key, answer in zip(batch, answers):
            if answer.error:
                log.warning("LLM judge generation failed: %s", answer.error)
                kind, out[key] = "errors", False
            else:
                try:
                    out[key] = parse_verdict(answer.text)
                    kind = "yes" if out[key] else "no"
                except ValueError as exc:
                    log.debug("%s", exc)
                    kind, out[key] = "unparsable", False
            tally[kind] = tally.get(kind, 0) + 1
        return out, tally
