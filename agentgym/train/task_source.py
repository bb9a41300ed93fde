"""Where an RL iteration's tasks come from: the seed schedule, or a curriculum (``[curriculum]``).

With ``curriculum.sampler = "none"`` this is :func:`agentgym.train.task_schedule.rl_episode_specs`
unchanged. With a sampler (:mod:`agentgym.curriculum`):

* each of the iteration's ``rl.tasks_per_iteration`` tasks is the sampler's ``sample()``, played
  by its group of ``rl.group_size`` episodes with ``options={"task": task}`` and a fresh reset
  seed (the schedule's fresh seeds: the same parameters still give a new game each time);
* after collection each group's result goes to ``update(task, result)``: the mean **success**
  of the group's episodes (``curriculum.result = "success"``, in [0, 1]; an episode that ended
  in an error counts as a failure) or their mean env **return** (``"return"``);
* the sampler's ``state_dict()`` is kept in the trainer state (key ``"curriculum"``), so every
  checkpoint holds it and ``--resume`` continues sampling exactly;
* metrics: the sampler's own (``curriculum/...``, cumulative counters such as
  ``curriculum/llm_fallbacks``), the iteration's mean result, and the mean of each numeric
  task parameter over the iteration's tasks (``curriculum/task/NAME``).

The sampler chooses in the env's ``task_space`` (``env.unwrapped.task_space``; an env without
one is refused when the trainer starts), or in the part of it that ``curriculum.space`` names.
Evaluation is not affected: it plays the env's own task (its kwargs).

Distributed runs: rank 0 alone samples (the LLM teacher is asked once), and every rank gets its
tasks and its sampler state, so the ranks' samplers stay identical.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from agentgym.curriculum import ALPGMM, LLMCurriculum, TaskSampler, UniformSampler, restrict_space
from agentgym.errors import ConfigError, PolicyError
from agentgym.policy import make_policy
from agentgym.rollout.collector import EpisodeSpec
from agentgym.task_space import Choice, TaskSpace
from agentgym.trajectory.records import Episode
from agentgym.train.config import TrainConfig
from agentgym.train.task_schedule import rl_episode_specs

log = logging.getLogger(__name__)
STATE_KEY = "curriculum"
_RNG_STREAM = 0xC0FFEE  # the sampler's RNG stream, apart from every other seed derived from the run seed


class TaskSource:
    """The RL tasks of a run (module docstring). ``dist``: the run's
    :class:`~agentgym.train.distributed.Distributed` (None: one process)."""

    def __init__(self, config: TrainConfig, dist: Any = None) -> None:
        self.config, self.dist = config, dist
        self.sampler: TaskSampler | None = None
        self._pending: dict[str, dict[str, Any]] = {}  # group id -> the task its episodes played
        self.space = env_task_space(config) if self.enabled else None
        self._teacher: Any = config.curriculum.policy
        if config.curriculum.sampler == "llm" and (dist is None or dist.is_main):  # a wrong name fails now, not mid-run
            try:
                self._teacher = make_policy(config.curriculum.policy, **config.curriculum.policy_kwargs)
            except PolicyError as exc:
                raise ConfigError(f"curriculum.policy: {exc}") from None

    @property
    def enabled(self) -> bool:
        return self.config.curriculum.sampler != "none"

    def specs(self, iteration: int, *, first_fresh_seed: int, state: dict[str, Any]) -> list[EpisodeSpec]:
        """The episodes of RL iteration ``iteration`` (``state``: the trainer state, where a
        resumed run's sampler state is)."""
        config, rl = self.config, self.config.rl
        specs = rl_episode_specs(config.env.id, iteration, tasks=rl.tasks_per_iteration, group_size=rl.group_size,
                                 train_tasks=config.env.train_tasks, first_fresh_seed=first_fresh_seed, seed=config.seed)
        if not self.enabled:
            return specs
        groups = list(dict.fromkeys(spec.group_id for spec in specs))
        tasks = dict(zip(groups, self._sample(len(groups), state)))
        self._pending = tasks
        return [dataclasses.replace(spec, options={"task": tasks[spec.group_id]}) for spec in specs]

    def update(self, episodes: Sequence[Episode], state: dict[str, Any]) -> dict[str, float]:
        """Give each played group's result to the sampler; the metrics to log."""
        if not self.enabled or self.sampler is None:
            return {}
        groups: dict[str, list[Episode]] = {}
        for episode in episodes:
            if episode.group_id in self._pending:
                groups.setdefault(episode.group_id, []).append(episode)
        results = []
        for group_id, members in groups.items():
            result = group_result(members, self.config.curriculum.result)
            self.sampler.update(self._pending[group_id], result)
            results.append(result)
        state[STATE_KEY] = self.sampler.state_dict()
        metrics = {f"curriculum/{key}": value for key, value in self.sampler.metrics().items()}
        if results:
            metrics["curriculum/mean_result"] = float(np.mean(results))
        assert self.space is not None
        for name, param in self.space.params.items():
            values = [task[name] for task in (self._pending[g] for g in groups)]
            if values and not isinstance(param, Choice):
                metrics[f"curriculum/task/{name}"] = float(np.mean(values))
        self._pending = {}
        return metrics

    def _sample(self, n: int, state: dict[str, Any]) -> list[dict[str, Any]]:
        sampler = self._sampler(state)
        if self.dist is None or not self.dist.enabled:
            return [sampler.sample() for _ in range(n)]
        shared = self.dist.gather([([sampler.sample() for _ in range(n)], sampler.state_dict())] if self.dist.is_main else [])
        tasks, sampler_state = shared[0]
        if not self.dist.is_main:
            sampler.load_state_dict(sampler_state)
        return tasks

    def _sampler(self, state: dict[str, Any]) -> TaskSampler:
        """The sampler, made on first use; a resumed run's comes back from ``state``."""
        if self.sampler is None:
            self.sampler = make_sampler(self.config, self.space, teacher=self._teacher)
            if STATE_KEY in state:
                try:
                    self.sampler.load_state_dict(state[STATE_KEY])
                except (ValueError, KeyError, TypeError) as exc:
                    raise ConfigError(f"--resume: the checkpoint's curriculum state does not fit [curriculum] as configured "
                                      f"now ({exc}); resume with the run's own config.toml") from None
                log.info("curriculum: resumed the %s sampler after %d results", self.sampler.name, self.sampler.updates)
        return self.sampler


def group_result(episodes: Sequence[Episode], result: str) -> float:
    """A group's result for the curriculum: its episodes' mean success (0/1 each) or mean return."""
    values = [float(e.success) if result == "success" else e.return_ for e in episodes]
    return float(np.mean(values))


def env_task_space(config: TrainConfig) -> TaskSpace:
    """The space the curriculum chooses in: the training env's ``task_space``, restricted to
    ``curriculum.space``.

    Raises:
        ConfigError: the env has no task space.
        TaskSpaceError: ``curriculum.space`` does not fit it, or a bound has zero width.
    """
    import agentgym

    env = config.env
    instance = agentgym.make(env.id, **{**env.kwargs, **env.train_kwargs})
    try:
        space = getattr(instance.unwrapped, "task_space", None)
    finally:
        instance.close()
    if not isinstance(space, TaskSpace):
        raise ConfigError(f"curriculum.sampler = {config.curriculum.sampler!r} needs an env with a task space, and "
                          f"{env.id} has none: choose an env whose family generates tasks (e.g. textworld/custom-v0, "
                          "toy/keys-v0), or set curriculum.sampler = \"none\"")
    return restrict_space(space, config.curriculum.space)


def make_sampler(config: TrainConfig, space: TaskSpace, teacher: Any = None) -> TaskSampler:
    """The sampler ``[curriculum]`` describes, seeded from the run seed (``teacher``: the LLM
    curriculum's policy, default: made from ``curriculum.policy`` on first use)."""
    section = config.curriculum

    def rng(stream: int) -> np.random.Generator:
        return np.random.default_rng([config.seed, _RNG_STREAM, stream])

    def alpgmm(stream: int) -> ALPGMM:
        return ALPGMM(space, rng(stream), bootstrap=section.bootstrap, fit_rate=section.fit_rate,
                      random_task_ratio=section.random_task_ratio, max_components=section.max_components)

    if section.sampler == "uniform":
        return UniformSampler(space, rng(0))
    if section.sampler == "alpgmm":
        return alpgmm(0)
    fallback = alpgmm(1) if section.fallback == "alpgmm" else UniformSampler(space, rng(1))
    return LLMCurriculum(space, rng(0), policy=teacher or section.policy, policy_kwargs=section.policy_kwargs, fallback=fallback,
                         batch_size=config.rl.tasks_per_iteration, prompt_template=section.prompt_template,
                         history=section.history, clip=section.clip, temperature=section.temperature,
                         max_new_tokens=section.max_new_tokens, timeout_s=section.timeout_s)
