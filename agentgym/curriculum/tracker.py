"""One episode's subgoals: which one is current, when each was completed, the bonus it earned.

Subgoals are completed in order. After every step the current subgoal is checked
(:func:`agentgym.curriculum.completion.completed`): env signals, then matchers, then — for what
they leave undecided, after a valid action — a question to the LLM judge, which answers later.
A completed subgoal earns :func:`agentgym.algos.subgoal_bonus` of the steps since the previous
completion, on the turn it was completed, and the next one is checked on the same step (a state
that already satisfies it completes it too, 0 steps later) — but not by the same command: one
action is one walkthrough step.

A judge's "yes" that arrives after the step it was asked about completes the subgoal *at that
step* (its turn gets the bonus, reported in a later step's ``info``); questions are resolved in
step order, and questions about a subgoal that got completed meanwhile are dropped; the steps
since the judged one are then checked again for the next subgoals by env signals and matchers
(not by the judge: those steps are past). At the episode's end the rollout waits up to
``wait_s`` for pending verdicts (:meth:`SubgoalTracker.finish`); later ones are dropped and
counted (``late``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from agentgym.algos.subgoal import subgoal_bonus
from agentgym.curriculum.completion import completed
from agentgym.curriculum.judge import LLMJudge
from agentgym.curriculum.subgoals import Subgoal, SubgoalPlan


@dataclass(frozen=True)
class Completion:
    """Subgoal ``index`` completed on turn ``turn`` (0-based), found by ``by`` (``rubric``,
    ``score``, ``command``, ``observation`` or ``judge``), earning ``bonus`` after ``steps``
    steps since the previous completion."""

    turn: int
    index: int
    steps: int
    bonus: float
    by: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class SubgoalTracker:
    """The subgoals of one episode (module docstring).

    Args:
        plan: the teacher's subgoals for the task.
        max_steps: ``T_max``, the episode's step limit.
        alpha: the bonus scale.
        judge: the LLM judge for what the immediate checks leave undecided (None: not done).
        observation_matcher: use the observation matcher.
        start_info: the reset's ``info`` (its ``expert_action`` says where the first command
            subgoal may be played; see :func:`agentgym.curriculum.completion.matcher`).
    """

    def __init__(self, plan: SubgoalPlan, *, max_steps: int, alpha: float = 1.0, judge: LLMJudge | None = None,
                 observation_matcher: bool = True, start_info: Mapping[str, Any] | None = None) -> None:
        if max_steps < 1:
            raise ValueError(f"max_steps must be >= 1, got {max_steps}")
        self.subgoals: list[Subgoal] = list(plan.subgoals)
        self.source = plan.source
        self.max_steps, self.alpha, self.judge, self.observation_matcher = max_steps, alpha, judge, observation_matcher
        self.current = 0
        self.steps = 0
        self.last_completion_step = 0
        self.completions: list[Completion] = []
        self.pending: list[tuple[int, int, str]] = []  # (step, subgoal index, judge key), in step order
        self.history: list[tuple[str, str, Mapping[str, Any]]] = []  # (action, observation, info) of each step
        self.start_info: Mapping[str, Any] = start_info or {}
        self.late = 0

    @property
    def subgoal(self) -> str | None:
        """The current subgoal's text (None once all are completed)."""
        return self.subgoals[self.current].text if self.current < len(self.subgoals) else None

    def step(self, action: str, observation: str, info: Mapping[str, Any]) -> list[Completion]:
        """Check the step the env just answered; the completions it brought (late judge verdicts included)."""
        self.steps += 1
        self.history.append((action, observation, info))
        new = self._resolve(checked=self.steps - 1)
        done = self._check(self.steps, new)
        if done is None and self.judge is not None and info.get("action_valid") is not False:
            key = self.judge.submit(self.subgoals[self.current].text, action, observation)
            self.pending.append((self.steps, self.current, key))
        return new

    def finish(self, wait_s: float) -> list[Completion]:
        """The episode ended: wait up to ``wait_s`` for pending verdicts; the completions they
        bring. What is still pending then is dropped and counted in :attr:`late`."""
        if self.pending and self.judge is not None:
            self.judge.wait([key for _, _, key in self.pending], wait_s)
        new = self._resolve(checked=self.steps)
        self.late += len(self.pending)
        self.pending = []
        return new

    def _check(self, step: int, new: list[Completion]) -> bool | None:
        """Env signals and matchers on step ``step`` for the current subgoal, then the next ones
        while they are done (appended to ``new``); the answer for the first one not done."""
        action, observation, info = self.history[step - 1]
        before = self.history[step - 2][2] if step >= 2 else self.start_info
        expert = before.get("expert_action")
        while self.current < len(self.subgoals):
            done, by = completed(self.subgoals[self.current], action, observation, info, observation_matcher=self.observation_matcher,
                                 expert_action=expert if isinstance(expert, str) else None)
            if not done:
                return done
            new.append(self._complete(step, by))
            if by == "command":
                action = ""  # one action plays one walkthrough step: "go north; go north" needs two
        return False

    def _resolve(self, checked: int) -> list[Completion]:
        """Apply the judge's verdicts that have arrived, in step order; after a late completion,
        check the steps after it up to ``checked`` again for the next subgoals."""
        new: list[Completion] = []
        while self.pending and self.judge is not None:
            step, index, key = self.pending[0]
            if index != self.current:  # a question about a subgoal completed meanwhile
                self.pending.pop(0)
                continue
            verdict = self.judge.result(key)
            if verdict is None:
                break  # answers count in step order: wait for this one
            self.pending.pop(0)
            if verdict:
                new.append(self._complete(step, "judge"))
                for later in range(step + 1, checked + 1):
                    self._check(later, new)
        return new

    def _complete(self, step: int, by: str) -> Completion:
        steps = min(max(step - self.last_completion_step, 0), self.max_steps)
        completion = Completion(turn=step - 1, index=self.current, steps=steps,
                                bonus=subgoal_bonus(steps, self.max_steps, self.alpha), by=by)
        self.completions.append(completion)
        self.current += 1
        self.last_completion_step = step
        return completion
