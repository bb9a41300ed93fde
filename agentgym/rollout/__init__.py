"""Episode collection. :mod:`agentgym.rollout.sequential` plays episodes one at a time, at the
text level (scripted policies, API policies, the CLI's ``run``) or token-exactly
(``context="concat"``, :mod:`agentgym.rollout.tokens`, for trainable policies)."""

from agentgym.rollout.sequential import RunSettings, run_episode, run_episodes, turn_seed
from agentgym.rollout.tokens import ChatTokens, ConcatContext, TemplateError, validate_episode

__all__ = ["ChatTokens", "ConcatContext", "RunSettings", "TemplateError", "run_episode", "run_episodes",
           "turn_seed", "validate_episode"]
