"""The uniform curriculum: every task of the space equally likely, whatever the learner does.

The baseline every teacher is measured against (Portelas et al. 2019 call it "Random"), and the
bootstrap and exploration component of ALP-GMM.
"""

from __future__ import annotations

from typing import Any

from agentgym.curriculum.base import TaskSampler


class UniformSampler(TaskSampler):
    """Tasks drawn uniformly from the space (:meth:`TaskSpace.sample`): uniform over each
    numeric range, uniform over each choice's options, independently. Results are checked
    (finite) and counted, nothing more."""

    name = "uniform"

    def sample(self) -> dict[str, Any]:
        return self.space.sample(self.rng)
