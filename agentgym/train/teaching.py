"""Subgoal teachers in a training run (``[teacher]``, :mod:`agentgym.train.teacher_config`).

With ``teacher.enabled``:

* the training env pool is a :class:`~agentgym.curriculum.teacher_pool.TeacherPool` around the
  subprocess pool, with one teacher (expert or LLM, with its fallback) and, if configured, one
  LLM judge for the whole run; the evaluation pool is left alone, so evaluation never shows a
  subgoal nor pays a bonus;
* every RL episode spec gets the reset option ``{"teacher": {"show": bool}}``: shown with
  probability :func:`~agentgym.curriculum.show_schedule.show_probability` of the iteration,
  drawn from the run seed and the iteration (a resumed run draws what the uninterrupted one
  did); the option is in the episode's recorded ``reset_options``, and HeRL's re-runs of a
  group keep it. Expert episodes (SFT demonstrations, the tokenizer's corpus) are taught only
  with ``teacher.sft_show_probability`` > 0, each shown with that probability (drawn from the
  run seed and the episode's seed);
* before the advantages each turn gets its bonus in ``shaped_rewards["subgoal"]``
  (:func:`agentgym.train.shaping.apply_subgoal_rewards`);
* metrics ``teacher/*``: the show probability, subgoals planned / completed / bonus per
  episode, the shown rate, completions per detector, and the cumulative counters of the pool,
  the teacher and the judge (``teacher/llm_fallbacks``, ``teacher/llm_unparsable``,
  ``teacher/llm_errors``, ``teacher/llm_timeouts``, ``teacher/llm_cache_hits``,
  ``teacher/judge_*``, ``teacher/judge_late``, ``teacher/no_subgoals``; in distributed runs
  these counters are rank 0's).

``T_max`` of the bonus is the episodes' step limit: the env's time limit (``max_episode_steps``
in the env kwargs, else the registered one) or ``env.max_turns``, whichever is smaller.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from agentgym.curriculum.judge import LLMJudge
from agentgym.curriculum.show_schedule import show_probability
from agentgym.curriculum.teacher_pool import OPTION_KEY, TeacherPool
from agentgym.curriculum.teachers import ExpertTeacher, LLMTeacher, Teacher
from agentgym.errors import ConfigError, PolicyError
from agentgym.policy import Policy, make_policy
from agentgym.rollout.collector import EpisodeSpec
from agentgym.trajectory.records import Episode
from agentgym.train.config import TrainConfig
from agentgym.train.shaping import apply_subgoal_rewards

_RNG_STREAM = 0x5B60A1  # the show draws' RNG stream, apart from every other seed derived from the run seed


def step_limit(config: TrainConfig) -> int:
    """``T_max``: the smaller of the env's time limit and ``env.max_turns``."""
    from agentgym.registry import spec

    env = config.env
    kwargs = {**env.kwargs, **env.train_kwargs}
    limit = kwargs.get("max_episode_steps", spec(env.id).max_episode_steps)
    return min(int(limit), env.max_turns) if limit else env.max_turns


class Teaching:
    """The run's subgoal teaching (module docstring); does nothing unless ``teacher.enabled``.
    Policy names are resolved now, so a wrong one fails before the run starts."""

    def __init__(self, config: TrainConfig) -> None:
        self.config, section = config, config.teacher
        self.enabled = section.enabled
        self.teacher: Teacher | None = None
        self.judge: LLMJudge | None = None
        self.pool: TeacherPool | None = None
        self.probability = 0.0
        if not self.enabled:
            return
        self.max_steps = step_limit(config)
        policies: dict[str, Policy] = {}
        expert = ExpertTeacher(section.expert_source)
        self.teacher = expert
        if section.kind == "llm":
            self.teacher = LLMTeacher(self._policy(policies, "policy", section.policy, section.policy_kwargs),
                                      fallback=expert if section.fallback == "expert" else None,
                                      prompt_template=section.prompt_template, max_subgoals=section.max_subgoals,
                                      temperature=section.temperature, max_new_tokens=section.max_new_tokens,
                                      timeout_s=section.timeout_s)
        if section.judge:
            self.judge = LLMJudge(self._policy(policies, "judge", section.judge, section.judge_kwargs),
                                  batch_size=section.judge_batch_size, timeout_s=section.judge_timeout_s,
                                  prompt_template=section.judge_prompt_template)

    @staticmethod
    def _policy(policies: dict[str, Policy], key: str, name: str, kwargs: dict[str, Any]) -> Policy:
        if name not in policies:
            try:
                policies[name] = make_policy(name, **kwargs)
            except PolicyError as exc:
                raise ConfigError(f"teacher.{key}: {exc}") from None
        return policies[name]

    def wrap(self, pool: Any, which: str) -> Any:
        """The env pool for ``which`` (``train`` or ``eval``): the training one taught, when
        teaching is on; the evaluation one never."""
        if not self.enabled or which != "train":
            return pool
        section = self.config.teacher
        self.pool = TeacherPool(pool, self.teacher, max_steps=self.max_steps, alpha=section.alpha, judge=self.judge,
                                observation_matcher=section.observation_matcher, judge_wait_s=section.judge_wait_s)
        return self.pool

    def specs(self, specs: Sequence[EpisodeSpec], iteration: int) -> list[EpisodeSpec]:
        """RL iteration ``iteration``'s specs (0-based), each with its teaching option."""
        if not self.enabled:
            return list(specs)
        section = self.config.teacher
        self.probability = show_probability(iteration, self.config.rl.iterations, section.show_probability,
                                            section.show_anneal, section.show_until)
        rng = np.random.default_rng([self.config.seed, _RNG_STREAM, iteration])
        return [dataclasses.replace(spec, options={**(spec.options or {}), OPTION_KEY: {"show": bool(rng.random() < self.probability)}})
                for spec in specs]

    def expert_specs(self, specs: Sequence[EpisodeSpec]) -> list[EpisodeSpec]:
        """The expert's episode specs: taught, each shown with ``teacher.sft_show_probability``,
        when that is > 0; else unchanged (the expert plays the env's own observations)."""
        probability = self.config.teacher.sft_show_probability
        if not self.enabled or probability <= 0:
            return list(specs)
        shows = [bool(np.random.default_rng([self.config.seed, _RNG_STREAM, 1 << 20, spec.seed or 0]).random() < probability)
                 for spec in specs]
        return [dataclasses.replace(spec, options={**(spec.options or {}), OPTION_KEY: {"show": show}})
                for spec, show in zip(specs, shows)]

    def shape(self, episodes: Sequence[Episode]) -> dict[str, float]:
        """Each turn's bonus into ``shaped_rewards["subgoal"]``; the metrics to log."""
        if not self.enabled:
            return {}
        metrics = {**apply_subgoal_rewards(episodes), "teacher/show_probability": self.probability}
        if self.pool is not None:
            metrics.update({f"teacher/{key}": value for key, value in self.pool.metrics().items()})
        return metrics
