"""Keep the episode as a chat conversation."""

from __future__ import annotations

from typing import Any

import gymnasium

from agentgym.chat import Message, chat_messages
from agentgym.env import StepResult, coerce_action


class ChatView(gymnasium.Wrapper):
    """Records the episode as chat messages: observations as ``user``, actions as ``assistant``.

    Put it outermost (after :class:`ExtractAction`) so the assistant messages are the model's
    raw outputs. ``env.messages`` is the conversation so far, ready for a chat template.
    """

    def __init__(self, env: gymnasium.Env, system_prompt: str | None = None) -> None:
        super().__init__(env)
        self.system_prompt = system_prompt
        self._first_observation: str | None = None
        self._exchanges: list[tuple[str, str]] = []

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        observation, info = self.env.reset(seed=seed, options=options)
        self._first_observation = observation
        self._exchanges = []
        return observation, info

    def step(self, action: str) -> StepResult:
        action = coerce_action(action)
        observation, reward, terminated, truncated, info = self.env.step(action)
        self._exchanges.append((action, observation))
        return observation, reward, terminated, truncated, info

    @property
    def messages(self) -> list[Message]:
        """The conversation so far (a new list each time); empty before the first reset."""
        if self._first_observation is None:
            return []
        return chat_messages(self._first_observation, self._exchanges, system_prompt=self.system_prompt)
