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


TEXTWORLD_KINDS = {
    "simple": ("tw-simple: fetch an object and put it somewhere (options rewards, goal)", {}),
    "cooking": ("tw-cooking: read the recipe, gather, prepare and eat the meal", {}),
    "coin": ("tw-coin_collector: find the coin (level 1-300)", {}),
    "treasure": ("tw-treasure_hunter: find the named object (level 1-30)", {}),
    "custom": ("generated world: world_size, nb_objects, quest_length (curricula)", {"world_size": 2, "nb_objects": 2, "quest_length": 2}),
    "game": ("play a Z-machine story file (.z1-.z8) or a folder of them (path=...)", None),
}


ALFWORLD_TASKS = {
    "pick": "ALFWorld pick_and_place_simple: put an object in a receptacle (generated)",
    "clean": "ALFWorld pick_clean_then_place_in_recep: clean it in the sink basin first (generated)",
    "heat": "ALFWorld pick_heat_then_place_in_recep: heat it in the microwave first (generated)",
    "cool": "ALFWorld pick_cool_then_place_in_recep: cool it in the fridge first (generated)",
    "examine": "ALFWorld look_at_obj_in_light: look at an object under a lamp (generated)",
    "pick-two": "ALFWorld pick_two_obj_and_place: put two objects in a receptacle (generated)",
    "mixed": "all six ALFWorld task types, one drawn per episode (generated)",
    "official": "ALFWorld's own games from $ALFWORLD_DATA (data_path=...)",
}


SWE_IDS = {
    "local": ("fix a bug in a small bundled Python repository, in a Docker sandbox; hidden tests judge", {}),
    "tasks": ("SWE-bench-style tasks from a JSONL or datasets file (tasks=PATH), in a Docker sandbox", None),
}


def register_envs() -> None:
    """Register the built-in families (the registry calls this on first use)."""
    for task, description in ALFWORLD_TASKS.items():
        register(
            f"alfworld/{task}-v0",
            entry_point="environments.alfworld.env:AlfWorldEnv",
            kwargs={"task": task},
            max_episode_steps=50,
            requires=("alfworld", "textworld"),
            extra="alfworld",
            description=description,
            check_kwargs=None if task == "official" else {},
            eval_kwargs={"split": "test"},  # agentgym eval plays held-out games
        )
    for kind, (description, check_kwargs) in TEXTWORLD_KINDS.items():
        register(
            f"textworld/{kind}-v0",
            entry_point="environments.textworld.env:TextWorldEnv",
            kwargs={"kind": kind},
            max_episode_steps=100,
            requires=("textworld",),
            extra="textworld",
            description=description,
            check_kwargs=check_kwargs,
            eval_kwargs={"split": "test"},  # agentgym eval plays held-out games
        )
    for task, description in {"mixed": "all 30 ScienceWorld tasks, one drawn per episode", **SCIENCEWORLD_TASKS}.items():
        register(
            f"scienceworld/{task}-v0",
            entry_point="environments.scienceworld.env:ScienceWorldEnv",
            kwargs={"task": task},
            max_episode_steps=100,
            requires=("scienceworld",),
            extra="scienceworld",
            eval_kwargs={"split": "test"},  # agentgym eval plays held-out games
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
    for name, (description, check_kwargs) in SWE_IDS.items():
        register(
            f"swe/{name}-v0",
            entry_point="environments.swe.env:SWEEnv",
            requires=("docker",),
            extra="swe",
            description=description,
            check_kwargs=check_kwargs,
            multiline_actions=True,  # tool calls carry code: make() keeps their whitespace
        )
    register(
        "toy/keys-v0",
        entry_point="environments.toy.env:KeysEnv",
        max_episode_steps=50,
        description="find keys, unlock coloured doors, take the gold coin (pure Python)",
    )
