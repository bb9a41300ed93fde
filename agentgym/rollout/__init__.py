"""Episode collection. :mod:`agentgym.rollout.sequential` plays episodes one at a time;
:mod:`agentgym.rollout.collector` plays many over an env pool (:mod:`agentgym.rollout.pool`)
with one policy batch per round (in-process, subprocess workers, or Ray actors). Both work at the text level (scripted and API policies) or
token-exactly (``context="concat"``, :mod:`agentgym.rollout.tokens`, for trainable policies)."""

from agentgym.rollout.collector import CollectStats, EpisodeSpec, collect, group_specs
from agentgym.rollout.pool import EnvFactory, EnvPool, InProcessPool, SubprocessPool, WorkerError
from agentgym.rollout.ray_pool import RayPool
from agentgym.rollout.recorder import EpisodeRecorder, RunSettings, turn_seed
from agentgym.rollout.sequential import run_episode, run_episodes
from agentgym.rollout.tokens import ChatTokens, ConcatContext, TemplateError, WindowContext, validate_episode

__all__ = ["ChatTokens", "CollectStats", "ConcatContext", "EnvFactory", "EnvPool", "EpisodeRecorder", "EpisodeSpec",
           "InProcessPool", "RayPool", "RunSettings", "SubprocessPool", "TemplateError", "WindowContext", "WorkerError", "collect",
           "group_specs", "run_episode", "run_episodes", "turn_seed", "validate_episode"]
