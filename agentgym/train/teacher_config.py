"""The ``[teacher]`` section of a training config: subgoal teachers for the RL episodes.

Kept apart from :mod:`agentgym.train.config` (which includes it as ``TrainConfig.teacher``), as
``[curriculum]`` is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from agentgym.errors import ConfigError

TEACHER_KINDS = ("expert", "llm")
TEACHER_FALLBACKS = ("expert", "none")


@dataclass
class TeacherSection:
    """Subgoal teachers (Words as Beacons, arXiv:2410.08632; :mod:`agentgym.curriculum.teachers`,
    wired in by :mod:`agentgym.train.teaching`). With ``enabled``, every RL episode's task is
    split into ordered subgoals at reset, and completing the current one on step ``t`` adds
    ``alpha * (1 - n_t / T_max)`` to that turn's reward (``shaped_rewards["subgoal"]``; ``n_t``
    the steps since the previous completion, ``T_max`` the episode's step limit: the env's time
    limit or ``env.max_turns``, the smaller).

    * ``kind = "expert"``: the env's rubric or reference solution (``expert_source``: ``auto``,
      ``rubric`` or ``reference``);
    * ``kind = "llm"``: the ``policy`` (``openai:MODEL``, ``hf:PATH``; ``policy_kwargs`` go to
      it) asked with the goal and first observation (``prompt_template``: fields ``{goal}``,
      ``{observation}``, ``{max_subgoals}``; empty: the default), ``temperature``,
      ``max_new_tokens``; at most ``max_subgoals``; cached per task; an answer without a list,
      an error or a call over ``timeout_s`` uses the ``fallback`` (``expert`` or ``none``), counted.

    Completion: env signals (rubric criterion, score), then matchers (the subgoal's command;
    with ``observation_matcher``, its words in the env's answer), then, if ``judge`` names a
    policy (the same name as ``policy`` shares its client), the LLM judge: asynchronous, up to
    ``judge_batch_size`` questions per call of at most ``judge_timeout_s``, cached; an episode's
    last step waits at most ``judge_wait_s`` for its verdicts (``judge_prompt_template``: fields
    ``{subgoal}``, ``{action}``, ``{observation}``).

    Showing: each RL episode shows the current subgoal as a last ``[subgoal] ...`` line of its
    observations with probability ``show_probability`` annealed by ``show_anneal`` (``linear``,
    ``cosine``, ``step``, ``constant``) to 0 at the fraction ``show_until`` of ``rl.iterations``.
    ``sft_show_probability`` > 0 also teaches the expert's episodes (the SFT demonstrations and
    the tokenizer's corpus), each showing its subgoals with that probability, so a model learns
    to read the marked line before RL shows it. Evaluation never shows subgoals and never pays
    the bonus."""

    enabled: bool = False
    kind: str = "expert"
    alpha: float = 1.0
    expert_source: str = "auto"
    policy: str = ""
    policy_kwargs: dict[str, Any] = field(default_factory=dict)
    prompt_template: str = ""
    max_subgoals: int = 8
    temperature: float = 0.0
    max_new_tokens: int = 256
    timeout_s: float = 60.0
    fallback: str = "expert"
    show_probability: float = 1.0
    show_anneal: str = "linear"
    show_until: float = 0.75
    sft_show_probability: float = 0.0
    observation_matcher: bool = True
    judge: str = ""
    judge_kwargs: dict[str, Any] = field(default_factory=dict)
    judge_prompt_template: str = ""
    judge_batch_size: int = 16
    judge_timeout_s: float = 30.0
    judge_wait_s: float = 2.0


def validate_teacher(section: TeacherSection) -> None:
    """Refuse a ``[teacher]`` that cannot run, naming the key (policy names are checked when the
    trainer starts: :class:`agentgym.train.teaching.Teaching`)."""
    from agentgym.curriculum.judge import check_judge_template
    from agentgym.curriculum.show_schedule import ANNEALS
    from agentgym.curriculum.teachers import EXPERT_SOURCES, check_teacher_template

    _choice("teacher.kind", section.kind, TEACHER_KINDS)
    _choice("teacher.expert_source", section.expert_source, EXPERT_SOURCES)
    _choice("teacher.fallback", section.fallback, TEACHER_FALLBACKS)
    _choice("teacher.show_anneal", section.show_anneal, ANNEALS)
    if not math.isfinite(section.alpha) or section.alpha < 0:
        raise ConfigError(f"teacher.alpha must be a finite number >= 0, got {section.alpha}")
    for key, value in [("show_probability", section.show_probability), ("sft_show_probability", section.sft_show_probability)]:
        if not 0 <= value <= 1:
            raise ConfigError(f"teacher.{key} must be in [0, 1], got {value}")
    if not 0 < section.show_until <= 1:
        raise ConfigError(f"teacher.show_until (the fraction of rl.iterations by which nothing is shown) must be in (0, 1], "
                          f"got {section.show_until}")
    for key, value in [("max_subgoals", section.max_subgoals), ("max_new_tokens", section.max_new_tokens),
                       ("judge_batch_size", section.judge_batch_size)]:
        if value < 1:
            raise ConfigError(f"teacher.{key} must be >= 1, got {value}")
    for key, value in [("timeout_s", section.timeout_s), ("judge_timeout_s", section.judge_timeout_s)]:
        if not value > 0:
            raise ConfigError(f"teacher.{key} must be > 0, got {value}")
    if section.judge_wait_s < 0 or section.temperature < 0:
        raise ConfigError(f"teacher.judge_wait_s and teacher.temperature must be >= 0, got {section.judge_wait_s} and "
                          f"{section.temperature}")
    for key, template, check in [("prompt_template", section.prompt_template, check_teacher_template),
                                 ("judge_prompt_template", section.judge_prompt_template, check_judge_template)]:
        if template:
            try:
                check(template)
            except ValueError as exc:
                raise ConfigError(f"teacher.{key}: {exc}") from None
    if section.enabled and section.kind == "llm" and not section.policy:
        raise ConfigError('teacher.kind = "llm" needs teacher.policy, the model that writes the subgoals '
                          '(e.g. "openai:MODEL" or "hf:PATH")')


def _choice(key: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(f"{key} must be one of {', '.join(choices)}; got {value!r}")
