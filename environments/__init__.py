"""Environment families. Each registers its ids here, by ``"module:attr"`` strings only, so
listing envs imports no engine (the registry imports an env's module when it is made)."""

from __future__ import annotations

from agentgym.registry import register
from environments.scienceworld.tasks import TASKS as SCIENCEWORLD_TASKS

NETHACK_TASKS = {
    "score": "NLE score task: points from exploring, fighting, gold, descending",
    "staircase": "NLE staircase task: find the way down",
    "pet": "NLE staircase task with the pet alongside",
    "oracle": "NLE oracle task: find the Oracle",
    "gold": "NLE gold task: collect gold",
    "eat": "NLE eat task: stay fed",
    "scout": "NLE scout task: explore",
    "challenge": "NetHack Challenge: full game, full keyboard",
}


def register_envs() -> None:
    """Register the built-in families (the registry calls this on first use)."""
    for task, description in {"mixed": "all 30 ScienceWorld tasks, one drawn per episode", **SCIENCEWORLD_TASKS}.items():
        register(
            f"scienceworld/{task}-v0",
            entry_point="environments.scienceworld.env:ScienceWorldEnv",
            kwargs={"task": task},
            max_episode_steps=100,
            requires=("scienceworld",),
            extra="scienceworld",
            description=description,
        )
    for task, description in NETHACK_TASKS.items():
        register(
            f"nethack/{task}-v0",
            entry_point="environments.nethack.env:NetHackEnv",
            kwargs={"task": task},
            requires=("nle",),
            extra="nethack",
            description=description,
            check_kwargs={"max_steps": 300},
        )
    register(
        "toy/keys-v0",
        entry_point="environments.toy.env:KeysEnv",
        max_episode_steps=50,
        description="find keys, unlock coloured doors, take the gold coin (pure Python)",
    )
