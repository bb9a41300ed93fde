"""Normalise actions before the env sees them."""

from __future__ import annotations

import gymnasium

from agentgym.actions import DEFAULT_MAX_ACTION_LENGTH, normalize_action
from agentgym.env import StepResult, coerce_action


class NormalizeAction(gymnasium.Wrapper):
    """Strips the action, collapses whitespace runs to one space and caps its length.

    ``info["action_truncated"]`` says whether the cap cut the action. Non-string actions are
    refused (``TypeError``) and bytes decoded, as by :class:`~agentgym.TextEnv` itself.
    """

    def __init__(self, env: gymnasium.Env, max_length: int | None = DEFAULT_MAX_ACTION_LENGTH) -> None:
        if max_length is not None and (isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1):
            raise ValueError(f"max_length must be a positive int or None, got {max_length!r}")
        super().__init__(env)
        self.max_length = max_length

    def step(self, action: str) -> StepResult:
        action, cut = normalize_action(coerce_action(action), self.max_length)
        observation, reward, terminated, truncated, info = self.env.step(action)
        info["action_truncated"] = cut
        return observation, reward, terminated, truncated, info
