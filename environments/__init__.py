"""Environment families. Each registers its ids here, by ``"module:attr"`` strings only, so
listing envs imports no engine (the registry imports an env's module when it is made)."""

from __future__ import annotations

from agentgym.registry import register


def register_envs() -> None:
    """Register the built-in families (the registry calls this on first use)."""
    register(
        "toy/keys-v0",
        entry_point="environments.toy.env:KeysEnv",
        max_episode_steps=50,
        description="find keys, unlock coloured doors, take the gold coin (pure Python)",
    )
