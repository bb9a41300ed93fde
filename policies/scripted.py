"""Scripted policies: real agents for baselines, data generation and tests.

* :class:`RandomPolicy` picks uniformly among ``info["admissible_actions"]``.
* :class:`ExpertPolicy` plays ``info["expert_action"]``.

Both answer with ``fallback`` when the env offers nothing to choose from, so they run on any
env; an env that never lists actions makes them play the fallback every turn.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from agentgym.policy import Generation, Request

DEFAULT_FALLBACK = "look"


class RandomPolicy:
    """Uniform over the admissible actions.

    Args:
        seed: seeds the policy's own generator, used for requests without a sampling seed.
            A request's ``sampling.seed`` makes its choice independent of batching and order.
        fallback: the action when the env lists no admissible actions.
    """

    name = "random"

    def __init__(self, seed: int | None = None, fallback: str = DEFAULT_FALLBACK) -> None:
        self._rng = np.random.default_rng(seed)
        self.fallback = fallback

    def generate(self, requests: Sequence[Request]) -> list[Generation]:
        return [self._one(request) for request in requests]

    def _one(self, request: Request) -> Generation:
        start = time.perf_counter()
        actions = request.info.get("admissible_actions") or []
        if not actions:
            text = self.fallback
        else:
            rng = self._rng if request.sampling.seed is None else np.random.default_rng(request.sampling.seed)
            text = actions[int(rng.integers(len(actions)))]
        return Generation(text=text, latency_s=time.perf_counter() - start)


class ExpertPolicy:
    """Plays the env's ``info["expert_action"]`` (walkthrough, gold path or planner).

    Args:
        fallback: the action when the env gives no expert action.
        seed: accepted for a uniform policy interface; the expert is deterministic.
    """

    name = "expert"

    def __init__(self, seed: int | None = None, fallback: str = DEFAULT_FALLBACK) -> None:
        self.fallback = fallback

    def generate(self, requests: Sequence[Request]) -> list[Generation]:
        out = []
        for request in requests:
            action = request.info.get("expert_action")
            out.append(Generation(text=action if isinstance(action, str) and action else self.fallback))
        return out
