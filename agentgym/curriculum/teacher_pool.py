"""Subgoal teaching around an env pool: the trainer's training envs, seen through a teacher.

Why around the pool and not inside each env (a wrapper): envs run in worker processes, and an
LLM teacher or judge there would be one model or client per worker, with one cache each and
batches of one. Around the pool, in the process that drives collection, one teacher and one
judge serve every env: a batch of resets is one teacher call, the judge batches the questions
of all envs, and both caches are shared by every episode of the run.

An episode is taught when its reset options carry :data:`OPTION_KEY`
(``{"teacher": {"show": true}}``; the key is taken off before the env sees the options, and the
trainer sets it from its show schedule, :mod:`agentgym.train.teaching`); every other episode —
the expert's, and all of evaluation, which uses another pool — passes through untouched. For a
taught episode:

* at reset the teacher plans its subgoals (:mod:`agentgym.curriculum.teachers`); the reset's
  ``info`` gets ``subgoals`` (their texts), ``subgoal`` (the current one), ``subgoal_shown``
  and ``subgoal_source`` (``rubric``, ``reference``, ``llm``, ``fallback:...``, ``none``);
* after every step the :class:`~agentgym.curriculum.tracker.SubgoalTracker` checks the current
  subgoal; the step's ``info`` gets ``subgoal`` (current after the step), ``subgoals_done``,
  and, when subgoals were completed, ``subgoal_completions`` (turn, index, steps, bonus, by:
  a late judge verdict credits an earlier turn) and ``subgoal_bonus`` (their sum);
* with ``show``, every observation ends with the current subgoal as a marked line
  (:func:`agentgym.curriculum.subgoals.mark`) until all are completed.

The episode's last step (terminated, truncated, or ``max_steps`` reached) waits up to
``judge_wait_s`` for the judge's pending verdicts. A teacher that raises is counted
(``teacher_errors``) and its episodes get no subgoals: teaching never stops collection.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from agentgym.curriculum.judge import LLMJudge
from agentgym.curriculum.subgoals import SubgoalPlan, mark
from agentgym.curriculum.teachers import TaskContext, Teacher
from agentgym.curriculum.tracker import Completion, SubgoalTracker
from agentgym.rollout.pool import EnvPool, StepOutcome

log = logging.getLogger(__name__)
OPTION_KEY = "teacher"


def split_options(options: Mapping[str, Any] | None) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """``(teaching, env options)``: the :data:`OPTION_KEY` entry (None: not taught) and the rest
    (None when nothing is left)."""
    if not options or OPTION_KEY not in options:
        return None, dict(options) if options else None
    teaching = options[OPTION_KEY]
    rest = {k: v for k, v in options.items() if k != OPTION_KEY}
    return (dict(teaching) if isinstance(teaching, Mapping) else {"show": bool(teaching)}), (rest or None)


class TeacherPool(EnvPool):
    """``inner`` with its taught episodes' subgoals (module docstring).

    Args:
        inner: the env pool.
        teacher: plans the subgoals.
        max_steps: ``T_max`` of the bonus, the episodes' step limit.
        alpha: the bonus scale.
        judge: the LLM judge (None: what env signals and matchers cannot tell is not done).
        observation_matcher: use the observation matcher.
        judge_wait_s: how long an episode's last step waits for its pending verdicts.
    """

    def __init__(self, inner: EnvPool, teacher: Teacher, *, max_steps: int, alpha: float = 1.0, judge: LLMJudge | None = None,
                 observation_matcher: bool = True, judge_wait_s: float = 2.0) -> None:
        self.inner, self.teacher, self.judge = inner, teacher, judge
        self.max_steps, self.alpha, self.observation_matcher, self.judge_wait_s = max_steps, alpha, observation_matcher, judge_wait_s
        self._resetting: dict[int, dict[str, Any] | None] = {}  # env -> its teaching (None: not taught)
        self._episodes: dict[int, tuple[SubgoalTracker, bool]] = {}  # env -> (tracker, shown)
        self._actions: dict[int, str] = {}
        self.counts = {"episodes": 0, "shown": 0, "no_subgoals": 0, "teacher_errors": 0, "judge_late": 0}

    def __len__(self) -> int:
        return len(self.inner)

    def reset(self, index: int, seed: int | None, options: dict | None = None) -> tuple[str, dict]:
        teaching, env_options = split_options(options)
        self._episodes.pop(index, None)
        result = self.inner.reset(index, seed, env_options)
        return self._begin({index: (result, teaching)})[index] if teaching is not None else result

    def submit_reset(self, index: int, seed: int | None, options: dict | None = None) -> None:
        teaching, env_options = split_options(options)
        self._episodes.pop(index, None)  # an episode ended by the rollout's own caps
        self._resetting[index] = teaching
        self.inner.submit_reset(index, seed, env_options)

    def submit(self, index: int, action: str) -> None:
        self._actions[index] = action
        self.inner.submit(index, action)

    def poll(self, timeout: float | None = None) -> dict[int, StepOutcome]:
        outcomes = dict(self.inner.poll(timeout))
        resets = {i: ((result, error, seconds), self._resetting.pop(i)) for i, (result, error, seconds) in outcomes.items()
                  if i in self._resetting}
        taught = {i: (outcome[0], teaching) for i, (outcome, teaching) in resets.items()
                  if teaching is not None and outcome[0] is not None}
        for index, result in self._begin(taught).items():
            outcomes[index] = (result, *outcomes[index][1:])
        for index, (result, error, seconds) in outcomes.items():
            if index in resets or index not in self._episodes:
                continue
            if result is None:  # the step failed: the rollout ends the episode
                self._episodes.pop(index)
                continue
            outcomes[index] = (self._stepped(index, result), error, seconds)
        return outcomes

    def close(self) -> None:
        self.inner.close()
        if self.judge is not None:
            self.judge.close()

    def metrics(self) -> dict[str, float]:
        """Cumulative counters: this pool's, the teacher's and the judge's."""
        return {**{k: float(v) for k, v in self.counts.items()}, **self.teacher.metrics(),
                **(self.judge.metrics() if self.judge is not None else {})}

    # taught episodes -------------------------------------------------------------------------
    def _begin(self, resets: Mapping[int, tuple[tuple, dict[str, Any]]]) -> dict[int, tuple]:
        """Plan the subgoals of the envs that just reset (one teacher batch); their new results."""
        if not resets:
            return {}
        indices = list(resets)
        try:
            plans = self.teacher.plans([TaskContext(resets[i][0][0], resets[i][0][1]) for i in indices])
        except Exception as exc:  # noqa: BLE001 - a broken teacher costs its episodes their subgoals, not the run
            self.counts["teacher_errors"] += len(indices)
            log.warning("the subgoal teacher raised %s: %s; these episodes get no subgoals", type(exc).__name__, exc)
            plans = [SubgoalPlan() for _ in indices]
        out = {}
        for index, plan in zip(indices, plans):
            (observation, info), teaching = resets[index]
            show = bool(teaching.get("show", False))
            tracker = SubgoalTracker(plan, max_steps=self.max_steps, alpha=self.alpha, judge=self.judge,
                                     observation_matcher=self.observation_matcher, start_info=info)
            self._episodes[index] = (tracker, show)
            self.counts["episodes"] += 1
            self.counts["shown"] += show
            self.counts["no_subgoals"] += not plan.subgoals
            info = {**info, "subgoals": [s.text for s in plan.subgoals], "subgoal": tracker.subgoal, "subgoal_shown": show,
                    "subgoal_source": plan.source}
            out[index] = (mark(observation, tracker.subgoal) if show else observation, info)
        return out

    def _stepped(self, index: int, result: tuple) -> tuple:
        tracker, show = self._episodes[index]
        observation, reward, terminated, truncated, info = result
        new: list[Completion] = tracker.step(self._actions.get(index, ""), observation, info)
        if terminated or truncated or tracker.steps >= self.max_steps:
            new += tracker.finish(self.judge_wait_s)
            self.counts["judge_late"] += tracker.late
            self._episodes.pop(index)
        info = {**info, "subgoal": tracker.subgoal, "subgoals_done": tracker.current}
        if new:
            info["subgoal_completions"] = [c.to_dict() for c in new]
            info["subgoal_bonus"] = sum(c.bonus for c in new)
        return (mark(observation, tracker.subgoal) if show else observation), reward, terminated, truncated, info
