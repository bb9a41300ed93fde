"""ALP-GMM: absolute learning progress with Gaussian mixtures.

Portelas, Colas, Hofmann & Oudeyer 2019, "Teacher algorithms for curriculum learning of Deep RL
in continuously parameterized environments" (CoRL 2019), §4 and Algorithm 1:

* **ALP** of a new task ``p_new`` with result ``r_new`` (eq. 1 and §4.1): the absolute
  difference with the result of the nearest task met before, ``alp_new = |r_new - r_old|``,
  ``r_old`` the result of ``argmin_{p in history} ||p - p_new||`` (Euclidean, in the task space's
  unit-cube encoding; the first task has no neighbour: ALP 0). High ALP marks regions where the
  learner is getting better (or forgetting): where training pays.
* **Bootstrap**: the first ``bootstrap`` tasks (250) are uniform.
* **Fit**: every ``fit_rate`` tasks (250) a GMM is fitted to the most recent ``fit_rate``
  vectors ``[p ‖ alp]`` for K = 2..10 full-covariance components; the fit of lowest AIC is kept
  (:mod:`agentgym.curriculum.gmm`).
* **Sample**: with probability ``random_task_ratio`` (0.2) a uniform task; otherwise component
  ``k`` is chosen with probability proportional to its mean ALP (the ALP coordinate of its
  mean), a vector is drawn from ``N(mu_k, Sigma_k)``, its ALP coordinate dropped, the rest
  clipped to the unit cube and decoded to a task (integers rounded, choices by argmax of their
  one-hot block): mixed discrete / continuous spaces work through the encoding.

The defaults are the paper's. Results are whatever the caller measures (the trainer: the mean
success of a task's group); the paper's rewards are normalised to [0, 1], and success is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from agentgym.curriculum.base import TaskSampler
from agentgym.curriculum.gmm import GMM, fit_best_gmm
from agentgym.task_space import TaskSpace


def absolute_learning_progress(history: np.ndarray, results: np.ndarray, task: np.ndarray, result: float) -> float:
    """``|result - results[j]|`` with ``j`` the nearest earlier task to ``task`` (Portelas et al.
    2019, eq. 1); 0 when there is no earlier task. Ties go to the earliest task.

    Args:
        history: earlier task vectors, shape (n, d).
        results: their results, shape (n,).
        task: the new task's vector, shape (d,).
        result: the new task's result.
    """
    history = np.asarray(history, dtype=np.float64)
    if history.size == 0:
        return 0.0
    distances = np.sum((history - np.asarray(task, dtype=np.float64)) ** 2, axis=1)
    return float(abs(result - float(np.asarray(results)[int(np.argmin(distances))])))


def gmm_task_vector(gmm: GMM, rng: np.random.Generator) -> np.ndarray | None:
    """One task vector from ``gmm`` fitted on ``[task ‖ alp]``: component ``k`` with probability
    ``alp_k / sum_j alp_j`` (mean ALPs, negatives as 0), a draw from it, ALP dropped, clipped to
    [0, 1]. None when no component has any progress (the caller samples uniformly)."""
    alp = np.clip(gmm.means[:, -1], 0.0, None)
    total = float(alp.sum())
    if total <= 0.0:
        return None
    k = int(rng.choice(gmm.n_components, p=alp / total))
    vector = rng.multivariate_normal(gmm.means[k], gmm.covariances[k])
    return np.clip(vector[:-1], 0.0, 1.0)


class ALPGMM(TaskSampler):
    """The ALP-GMM teacher (module docstring).

    Args:
        space: the task space (its vector encoding is the space the GMM lives in).
        rng: the only randomness (uniform draws, component choice, Gaussian draws, EM seeding).
        bootstrap: uniform tasks before the first fit.
        fit_rate: tasks between fits, and the size of the window a fit sees.
        random_task_ratio: probability of a uniform task once a GMM is fitted.
        max_components: the largest K tried (K = 2..max_components).
        covariance_reg: ridge added to each covariance's diagonal (tasks repeat: integer and
            one-hot coordinates put many points on one spot).
    """

    name = "alpgmm"

    def __init__(self, space: TaskSpace, rng: np.random.Generator, *, bootstrap: int = 250, fit_rate: int = 250,
                 random_task_ratio: float = 0.2, max_components: int = 10, covariance_reg: float = 1e-6) -> None:
        super().__init__(space, rng)
        if bootstrap < 0 or fit_rate < 2 or max_components < 2:
            raise ValueError(f"ALP-GMM needs bootstrap >= 0, fit_rate >= 2 and max_components >= 2, got {bootstrap}, "
                             f"{fit_rate} and {max_components}")
        if not 0.0 <= random_task_ratio <= 1.0:
            raise ValueError(f"random_task_ratio must be in [0, 1], got {random_task_ratio}")
        self.bootstrap, self.fit_rate, self.random_task_ratio = bootstrap, fit_rate, random_task_ratio
        self.max_components, self.covariance_reg = max_components, covariance_reg
        self.tasks = np.zeros((0, space.dim))  # every task vector met (the ALP's nearest-neighbour history)
        self.results = np.zeros(0)
        self.alps = np.zeros(0)
        self.gmm: GMM | None = None
        self.fits = 0

    def sample(self) -> dict[str, Any]:
        if self.gmm is not None and self.rng.random() >= self.random_task_ratio:
            vector = gmm_task_vector(self.gmm, self.rng)
            if vector is not None:
                return self.space.decode(vector)
        return self.space.sample(self.rng)

    def _record(self, task: dict[str, Any], result: float) -> None:
        vector = self.space.encode(task)
        alp = absolute_learning_progress(self.tasks, self.results, vector, result)
        self.tasks = np.vstack([self.tasks, vector])
        self.results = np.append(self.results, result)
        self.alps = np.append(self.alps, alp)
        seen = len(self.results)
        if seen >= self.bootstrap and (seen - self.bootstrap) % self.fit_rate == 0 and seen >= 2:
            self.refit()

    def refit(self) -> None:
        """Fit K = 2..max_components GMMs to the last ``fit_rate`` ``[task ‖ alp]`` and keep the lowest AIC."""
        window = np.hstack([self.tasks, self.alps[:, None]])[-self.fit_rate:]
        self.gmm, _ = fit_best_gmm(window, range(2, self.max_components + 1), self.rng, reg=self.covariance_reg)
        self.fits += 1

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "tasks": self.tasks.tolist(), "results": self.results.tolist(),
                "alps": self.alps.tolist(), "gmm": None if self.gmm is None else self.gmm.to_dict(), "fits": self.fits}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        super().load_state_dict(state)
        self.tasks = np.asarray(state["tasks"], dtype=np.float64).reshape(-1, self.space.dim)
        self.results = np.asarray(state["results"], dtype=np.float64)
        self.alps = np.asarray(state["alps"], dtype=np.float64)
        self.gmm = None if state["gmm"] is None else GMM.from_dict(state["gmm"])
        self.fits = int(state["fits"])

    def metrics(self) -> dict[str, float]:
        recent = self.alps[-self.fit_rate:]
        return {**super().metrics(), "fits": float(self.fits),
                "components": float(self.gmm.n_components if self.gmm is not None else 0),
                "mean_alp": float(recent.mean()) if recent.size else 0.0}
