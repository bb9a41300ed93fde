"""Task samplers (curricula): which task a learner trains on next (DESIGN §2.7).

Every sampler follows one protocol (:mod:`agentgym.curriculum.base`): ``sample() -> task``,
``update(task, result)``, ``state_dict()`` / ``load_state_dict()`` (JSON-ready, for
checkpoints), ``metrics()``; its randomness comes from the ``numpy.random.Generator`` it is given.

* :class:`UniformSampler`: uniform over the task space;
* :class:`ALPGMM`: absolute learning progress + Gaussian mixtures (Portelas et al., CoRL 2019);
* :class:`LLMCurriculum`: a language model proposes tasks from the task space and the recent
  results, validated, with a fallback sampler for whatever it cannot give.

Example:
    >>> import numpy as np
    >>> from agentgym.task_space import IntRange, TaskSpace
    >>> sampler = ALPGMM(TaskSpace({"rooms": IntRange(2, 8)}), np.random.default_rng(0), bootstrap=20, fit_rate=20)
    >>> task = sampler.sample()
    >>> sampler.update(task, 0.5)
"""

from __future__ import annotations

from agentgym.curriculum.alp_gmm import ALPGMM, absolute_learning_progress
from agentgym.curriculum.base import TaskSampler, check_result, check_space, restrict_space
from agentgym.curriculum.llm import PROMPT_TEMPLATE, LLMCurriculum, parse_proposals
from agentgym.curriculum.uniform import UniformSampler

SAMPLERS = ("uniform", "alpgmm", "llm")

__all__ = [
    "ALPGMM", "LLMCurriculum", "PROMPT_TEMPLATE", "SAMPLERS", "TaskSampler", "UniformSampler", "absolute_learning_progress",
    "check_result", "check_space", "parse_proposals", "restrict_space",
]
