"""Show the admissible actions in every observation."""

from __future__ import annotations

from typing import Any

import gymnasium

from agentgym.env import StepResult


class ListActions(gymnasium.Wrapper):
    """Appends ``"Admissible actions: a, b, ..."`` (from ``info["admissible_actions"]``) to each
    observation, as agent prompts for text games commonly do (e.g. verl-agent's ALFWorld prompt,
    Feng et al. 2025): the model picks among the actions the engine accepts now instead of having
    to infer them from the text. An observation whose info lists none (None or empty) is left as
    it is. ``agentgym.make(id, list_actions=True)`` adds it.
    """

    PREFIX = "Admissible actions: "

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        observation, info = self.env.reset(seed=seed, options=options)
        return self._with_actions(observation, info), info

    def step(self, action: str) -> StepResult:
        observation, reward, terminated, truncated, info = self.env.step(action)
        return self._with_actions(observation, info), reward, terminated, truncated, info

    def _with_actions(self, observation: str, info: dict[str, Any]) -> str:
        actions = info.get("admissible_actions")
        if not actions:
            return observation
        return f"{observation.rstrip()}\n\n{self.PREFIX}{', '.join(actions)}."
