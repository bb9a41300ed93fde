"""Truncate an episode after a number of steps."""

from __future__ import annotations

from typing import Any

import gymnasium

from agentgym.env import StepResult
from agentgym.errors import ResetNeededError


class TimeLimit(gymnasium.Wrapper):
    """Ends the episode as truncated after ``max_episode_steps`` steps.

    Unlike Gymnasium's ``TimeLimit`` it also refuses a step after the episode ended (the inner
    env cannot know about a truncation decided out here), so the text-env contract holds for
    the wrapped env too.
    """

    def __init__(self, env: gymnasium.Env, max_episode_steps: int) -> None:
        if isinstance(max_episode_steps, bool) or not isinstance(max_episode_steps, int) or max_episode_steps < 1:
            raise ValueError(f"max_episode_steps must be a positive int, got {max_episode_steps!r}")
        super().__init__(env)
        self.max_episode_steps = max_episode_steps
        self.elapsed_steps: int | None = None

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        observation, info = self.env.reset(seed=seed, options=options)
        self.elapsed_steps = 0
        return observation, info

    def step(self, action: str) -> StepResult:
        if self.elapsed_steps is None:
            raise ResetNeededError(
                "step() called with no episode running (before reset(), or after the episode ended): call reset() first"
            )
        observation, reward, terminated, truncated, info = self.env.step(action)
        self.elapsed_steps += 1
        if self.elapsed_steps >= self.max_episode_steps and not terminated:
            truncated = True
        if terminated or truncated:
            self.elapsed_steps = None
        return observation, reward, terminated, truncated, info
