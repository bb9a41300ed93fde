"""Gaussian mixture models with full covariances: EM, k-means++ initialisation, AIC (pure numpy).

ALP-GMM (Portelas et al. 2019, :mod:`agentgym.curriculum.alp_gmm`) refits a GMM to recent
``[task ‖ ALP]`` vectors every few episodes and keeps, among K = 2..10 components, the fit of
lowest Akaike information criterion. These functions are that fitting, on numbers only:

* :func:`kmeans_plus_plus`: k-means++ seeding (Arthur & Vassilvitskii 2007, "k-means++: the
  advantages of careful seeding"): the first centre is a uniform data point, each next one is a
  data point drawn with probability ``D(x)^2 / sum D^2``, ``D(x)`` the distance to the nearest
  centre chosen so far. A few Lloyd iterations follow, and the hard assignment starts EM.
* :func:`fit_gmm`: expectation-maximisation (Dempster, Laird & Rubin 1977; Bishop 2006, PRML
  §9.2.2, eqs. 9.23-9.27): E-step ``gamma_nk = pi_k N(x_n | mu_k, Sigma_k) / sum_j pi_j N(x_n |
  mu_j, Sigma_j)``; M-step ``N_k = sum_n gamma_nk``, ``mu_k = sum_n gamma_nk x_n / N_k``,
  ``Sigma_k = sum_n gamma_nk (x_n - mu_k)(x_n - mu_k)^T / N_k + reg I``, ``pi_k = N_k / N``; until
  the mean log-likelihood per sample improves by less than ``tol``. ``reg I`` (a small ridge on
  the diagonal) keeps every covariance invertible: tasks repeat (integer and one-hot coordinates),
  and a component on one repeated point has zero variance.
* :func:`aic`: ``AIC = 2 p - 2 log L`` (Akaike 1974), ``p = (K - 1) + K d + K d (d + 1) / 2``
  free parameters of a K-component full-covariance GMM in ``d`` dimensions
  (:func:`n_free_parameters`), ``log L = sum_n log sum_k pi_k N(x_n | mu_k, Sigma_k)``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

LOG_2PI = math.log(2.0 * math.pi)


@dataclass(frozen=True)
class GMM:
    """A fitted mixture: ``weights`` (K,), ``means`` (K, d), ``covariances`` (K, d, d), and the
    fit's total ``log_likelihood`` of its data, EM ``iterations`` and whether EM ``converged``."""

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    log_likelihood: float = float("nan")
    iterations: int = 0
    converged: bool = False

    @property
    def n_components(self) -> int:
        return int(self.weights.shape[0])

    @property
    def dim(self) -> int:
        return int(self.means.shape[1])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (floats round-trip exactly through JSON)."""
        return {"weights": self.weights.tolist(), "means": self.means.tolist(), "covariances": self.covariances.tolist(),
                "log_likelihood": self.log_likelihood, "iterations": self.iterations, "converged": self.converged}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GMM:
        return cls(weights=np.asarray(data["weights"], dtype=np.float64), means=np.asarray(data["means"], dtype=np.float64),
                   covariances=np.asarray(data["covariances"], dtype=np.float64),
                   log_likelihood=float(data["log_likelihood"]), iterations=int(data["iterations"]),
                   converged=bool(data["converged"]))


def n_free_parameters(n_components: int, dim: int) -> int:
    """``p = (K - 1) + K d + K d (d + 1) / 2``: mixing weights (they sum to 1), means, and the
    symmetric covariance matrices of a full-covariance GMM."""
    k, d = n_components, dim
    return (k - 1) + k * d + k * d * (d + 1) // 2


def component_log_densities(x: np.ndarray, means: np.ndarray, covariances: np.ndarray) -> np.ndarray:
    """``log N(x_n | mu_k, Sigma_k)`` for every sample and component, shape (N, K).

    ``log N = -(d log 2 pi + log |Sigma| + ||L^-1 (x - mu)||^2) / 2`` with ``Sigma = L L^T``
    (Cholesky): no explicit inverse, and a covariance that is not positive definite raises
    ``numpy.linalg.LinAlgError`` instead of giving silent garbage.
    """
    x = np.asarray(x, dtype=np.float64)
    n, d = x.shape
    out = np.empty((n, means.shape[0]))
    for k in range(means.shape[0]):
        chol = np.linalg.cholesky(covariances[k])
        diff = np.linalg.solve(chol, (x - means[k]).T)  # (d, N): L^-1 (x - mu)
        log_det = 2.0 * np.sum(np.log(np.diag(chol)))
        out[:, k] = -0.5 * (d * LOG_2PI + log_det + np.sum(diff * diff, axis=0))
    return out


def log_likelihoods(x: np.ndarray, gmm: GMM) -> np.ndarray:
    """``log p(x_n) = log sum_k pi_k N(x_n | mu_k, Sigma_k)`` per sample, shape (N,)."""
    weighted = component_log_densities(x, gmm.means, gmm.covariances) + np.log(gmm.weights)
    return _logsumexp(weighted)


def aic(gmm: GMM, x: np.ndarray) -> float:
    """Akaike information criterion of ``gmm`` on data ``x``: ``2 p - 2 log L`` (lower is better)."""
    x = np.asarray(x, dtype=np.float64)
    return 2.0 * n_free_parameters(gmm.n_components, x.shape[1]) - 2.0 * float(np.sum(log_likelihoods(x, gmm)))


def kmeans_plus_plus(x: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """``k`` initial centres chosen from the rows of ``x`` by k-means++ seeding (module docstring).

    When every remaining point already is a centre (``sum D^2 = 0``: repeated points) the next
    centre is a uniform draw, so ``k`` may exceed the number of distinct points.
    """
    x = np.asarray(x, dtype=np.float64)
    _check_data(x, k)
    centres = [x[int(rng.integers(len(x)))]]
    nearest = np.sum((x - centres[0]) ** 2, axis=1)
    for _ in range(1, k):
        total = float(nearest.sum())
        index = int(rng.choice(len(x), p=nearest / total)) if total > 0 else int(rng.integers(len(x)))
        centres.append(x[index])
        nearest = np.minimum(nearest, np.sum((x - x[index]) ** 2, axis=1))
    return np.stack(centres)


def fit_gmm(x: np.ndarray, n_components: int, rng: np.random.Generator, *, reg: float = 1e-6, max_iter: int = 100,
            tol: float = 1e-4, kmeans_iter: int = 10) -> GMM:
    """Fit a ``n_components``-component full-covariance GMM to the rows of ``x`` by EM.

    Args:
        x: data, shape (N, d), N >= ``n_components``.
        rng: the only randomness (k-means++ seeding).
        reg: added to every covariance's diagonal (``Sigma_k + reg I``).
        max_iter: EM iterations at most.
        tol: stop when the mean log-likelihood per sample improves by less than this.
        kmeans_iter: Lloyd iterations after the k-means++ seeding, before EM.

    Returns:
        the fitted :class:`GMM`; its ``log_likelihood`` is that of the final parameters on ``x``.
    """
    x = np.asarray(x, dtype=np.float64)
    _check_data(x, n_components)
    if reg < 0:
        raise ValueError(f"reg must be >= 0, got {reg}")
    centres = kmeans_plus_plus(x, n_components, rng)
    labels = np.zeros(len(x), dtype=int)
    for _ in range(max(kmeans_iter, 1)):
        labels = np.argmin(((x[:, None, :] - centres[None]) ** 2).sum(axis=2), axis=1)
        moved = np.stack([x[labels == k].mean(axis=0) if np.any(labels == k) else centres[k] for k in range(n_components)])
        if np.allclose(moved, centres):
            break
        centres = moved
    resp = np.eye(n_components)[labels]
    gmm = _m_step(x, resp, reg)
    previous = -np.inf
    converged, iterations = False, 0
    for iterations in range(1, max_iter + 1):
        weighted = component_log_densities(x, gmm.means, gmm.covariances) + np.log(gmm.weights)
        per_sample = _logsumexp(weighted)
        mean = float(per_sample.mean())
        if mean - previous < tol:
            converged = True
            break
        previous = mean
        gmm = _m_step(x, np.exp(weighted - per_sample[:, None]), reg)  # E-step: responsibilities gamma_nk
    total = float(np.sum(log_likelihoods(x, gmm)))
    return GMM(gmm.weights, gmm.means, gmm.covariances, log_likelihood=total, iterations=iterations, converged=converged)


def fit_best_gmm(x: np.ndarray, components: Iterable[int], rng: np.random.Generator, **fit_args: Any) -> tuple[GMM, dict[int, float]]:
    """The lowest-AIC fit among ``components`` (each a K), and every K's AIC.

    Ks larger than the number of distinct rows of ``x`` are skipped (they could only place
    several components on one point); at least K = 1 is always tried when nothing else fits.
    """
    x = np.asarray(x, dtype=np.float64)
    distinct = len(np.unique(x, axis=0))
    ks = [k for k in components if 1 <= k <= distinct] or [1]
    best: GMM | None = None
    scores: dict[int, float] = {}
    for k in ks:
        gmm = fit_gmm(x, k, rng, **fit_args)
        scores[k] = 2.0 * n_free_parameters(k, x.shape[1]) - 2.0 * gmm.log_likelihood
        if best is None or scores[k] < scores[best.n_components]:
            best = gmm
    assert best is not None
    return best, scores


def _m_step(x: np.ndarray, resp: np.ndarray, reg: float) -> GMM:
    """M-step (PRML eqs. 9.24-9.27) from responsibilities ``resp`` (N, K)."""
    n, d = x.shape
    counts = resp.sum(axis=0) + 10 * np.finfo(np.float64).eps  # an emptied component keeps a defined mean
    means = resp.T @ x / counts[:, None]
    covariances = np.empty((resp.shape[1], d, d))
    for k in range(resp.shape[1]):
        diff = x - means[k]
        covariances[k] = (resp[:, k, None] * diff).T @ diff / counts[k] + reg * np.eye(d)
    return GMM(weights=counts / counts.sum(), means=means, covariances=covariances)


def _logsumexp(a: np.ndarray) -> np.ndarray:
    top = np.max(a, axis=1, keepdims=True)
    return (top + np.log(np.sum(np.exp(a - top), axis=1, keepdims=True)))[:, 0]


def _check_data(x: np.ndarray, k: int) -> None:
    if x.ndim != 2 or len(x) == 0:
        raise ValueError(f"GMM data must be a non-empty (N, d) array, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("GMM data holds NaN or inf")
    if not 1 <= k <= len(x):
        raise ValueError(f"n_components must be in [1, N={len(x)}], got {k}")
