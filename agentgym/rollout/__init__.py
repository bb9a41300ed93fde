"""Episode collection. :mod:`agentgym.rollout.sequential` plays episodes one at a time at the
text level (scripted policies, API policies, the CLI's ``run``)."""

from agentgym.rollout.sequential import RunSettings, run_episode, run_episodes, turn_seed

__all__ = ["RunSettings", "run_episode", "run_episodes", "turn_seed"]
