"""The ``[curriculum]`` section of a training config: which task sampler chooses the RL tasks.

Kept apart from :mod:`agentgym.train.config` (which includes it as ``TrainConfig.curriculum``)
so the trainer's config file stays one screenful per concept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agentgym.errors import ConfigError

CURRICULUM_SAMPLERS = ("none", "uniform", "alpgmm", "llm")
CURRICULUM_RESULTS = ("success", "return")
CURRICULUM_FALLBACKS = ("alpgmm", "uniform")


@dataclass
class CurriculumSection:
    """Which tasks RL trains on (:mod:`agentgym.curriculum`, wired in by
    :mod:`agentgym.train.task_source`). ``sampler = "none"`` (default): the env's own task, seeds
    as ``env.train_tasks`` says. Otherwise each RL task's parameters come from the sampler's
    ``sample()`` (reset with ``options={"task": task}`` and a fresh seed), and each task's
    ``result`` (``success``: the mean success of its group, in [0, 1], the default; ``return``:
    the mean return) goes to its ``update()``:

    * ``uniform``: uniform over the space;
    * ``alpgmm``: ALP-GMM (Portelas et al. 2019): ``bootstrap`` uniform tasks, then a refit every
      ``fit_rate`` tasks of K = 2..``max_components`` GMMs, uniform with ``random_task_ratio``;
    * ``llm``: the ``policy`` (``openai:MODEL``, ``hf:PATH``; ``policy_kwargs`` go to it, e.g.
      ``base_url``) proposes each iteration's tasks from ``prompt_template`` (empty: the default,
      fields ``{task_space}``, ``{history}``, ``{n}``), with ``temperature`` and
      ``max_new_tokens``; ``history`` recent tasks are shown; out-of-range values are clipped
      (``clip``) or rejected; unparsable answers, errors and calls over ``timeout_s`` fall back
      to ``fallback`` (``alpgmm`` or ``uniform``), counted in the metrics.

    ``space`` restricts the curriculum to some parameters of the env's task space, with narrower
    bounds (``{world_size = [1, 4], quest_length = [1, 3]}``; a choice takes a list of its options);
    the others keep the env's kwargs. Empty: the whole space. Sampler state is saved in checkpoints.
    ``policy_kwargs`` are written to the run's ``config.toml``: pass API keys through the
    environment (``OPENAI_API_KEY``), not here."""

    sampler: str = "none"
    result: str = "success"
    space: dict[str, list[Any]] = field(default_factory=dict)
    bootstrap: int = 250
    fit_rate: int = 250
    random_task_ratio: float = 0.2
    max_components: int = 10
    policy: str = ""
    policy_kwargs: dict[str, Any] = field(default_factory=dict)
    fallback: str = "alpgmm"
    prompt_template: str = ""
    history: int = 30
    clip: bool = True
    temperature: float = 0.7
    max_new_tokens: int = 512
    timeout_s: float = 120.0


def validate_curriculum(section: CurriculumSection, *, train_tasks: int) -> None:
    """Refuse a ``[curriculum]`` that cannot run, naming the key (the env's task space is
    checked when the trainer starts: :class:`agentgym.train.task_source.TaskSource`)."""
    _choice("curriculum.sampler", section.sampler, CURRICULUM_SAMPLERS)
    _choice("curriculum.result", section.result, CURRICULUM_RESULTS)
    _choice("curriculum.fallback", section.fallback, CURRICULUM_FALLBACKS)
    for key, value, least in [("bootstrap", section.bootstrap, 0), ("fit_rate", section.fit_rate, 2),
                              ("max_components", section.max_components, 2), ("history", section.history, 1),
                              ("max_new_tokens", section.max_new_tokens, 1)]:
        if value < least:
            raise ConfigError(f"curriculum.{key} must be >= {least}, got {value}")
    if not 0 <= section.random_task_ratio <= 1:
        raise ConfigError(f"curriculum.random_task_ratio must be in [0, 1], got {section.random_task_ratio}")
    if section.timeout_s <= 0 or section.temperature < 0:
        raise ConfigError(f"curriculum.timeout_s must be > 0 and curriculum.temperature >= 0, got {section.timeout_s} "
                          f"and {section.temperature}")
    if section.prompt_template:
        from agentgym.curriculum.llm import check_template

        try:
            check_template(section.prompt_template)
        except ValueError as exc:
            raise ConfigError(f"curriculum.prompt_template: {exc}") from None
    for name, value in section.space.items():
        if not isinstance(value, list) or not value:
            raise ConfigError(f"curriculum.space.{name} must be a non-empty list ([low, high], or a choice's options), "
                              f"got {value!r}")
    if section.sampler == "none":
        return
    if section.sampler == "llm" and not section.policy:
        raise ConfigError('curriculum.sampler = "llm" needs curriculum.policy, the teacher (e.g. "openai:MODEL" or "hf:PATH")')
    if train_tasks:
        raise ConfigError(f"curriculum.sampler = {section.sampler!r} chooses each RL task itself, with a fresh seed: set "
                          f"env.train_tasks = 0 (it is {train_tasks}), or curriculum.sampler = \"none\"")


def _choice(key: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(f"{key} must be one of {', '.join(choices)}; got {value!r}")
