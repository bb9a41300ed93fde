"""Let an env take raw model output: the action is extracted from it first."""

from __future__ import annotations

import gymnasium

from agentgym.actions import ACTION_FORMATS, extract_action
from agentgym.env import StepResult, coerce_action


class ExtractAction(gymnasium.Wrapper):
    """Steps the env with the action found in a raw model output.

    See :func:`agentgym.actions.extract_action` for the formats and the fallback.
    ``info["raw_action"]`` holds the output and ``info["action_format_valid"]`` whether it had
    the expected format.
    """

    def __init__(self, env: gymnasium.Env, fmt: str = "auto", *, tag: str = "action", json_key: str = "action") -> None:
        if fmt not in ACTION_FORMATS:
            raise ValueError(f"unknown action format {fmt!r}; expected one of {ACTION_FORMATS}")
        super().__init__(env)
        self.fmt, self.tag, self.json_key = fmt, tag, json_key

    def step(self, action: str) -> StepResult:
        raw = coerce_action(action)
        parsed = extract_action(raw, self.fmt, tag=self.tag, json_key=self.json_key)
        observation, reward, terminated, truncated, info = self.env.step(parsed.action)
        info["raw_action"] = raw
        info["action_format_valid"] = parsed.format_valid
        return observation, reward, terminated, truncated, info
