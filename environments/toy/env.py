"""``toy/keys-v0``: find the keys, unlock the doors, take the gold coin.

A small deterministic pure-Python text task for fast tests, docs and demos. It exercises every
part of the text-env contract: a goal, admissible actions, an expert action (shortest plan),
a rubric (keys taken, doors unlocked, coin taken), a score, and a task space for curricula.

Reward: +1 per rubric criterion met (the score delta); ``max_score`` = number of criteria.
The episode terminates when the coin is taken (``won``); it cannot be lost.
"""

from __future__ import annotations

from typing import Any

from agentgym.env import StepResult, TextEnv
from agentgym.task_space import IntRange, TaskSpace
from environments.toy.world import GOAL_ITEM, KeysGame, generate_world

GOAL = f"take the {GOAL_ITEM}"


class KeysEnv(TextEnv):
    """Rooms, coloured locked doors and their keys; the goal is to take the gold coin.

    Args:
        num_rooms: rooms in the world (2-10).
        num_locks: locked doors on the way to the coin (0-4; at most the path length).
        num_distractors: useless objects lying around (0-5).
        render_mode: ``"ansi"``, ``"human"`` or None.

    ``reset(seed=s)`` builds the world from ``s``; ``options={"task": {...}}`` overrides the
    parameters for that episode (checked against :attr:`task_space`).
    """

    task_space = TaskSpace(
        {
            "num_rooms": IntRange(2, 10, default=4),
            "num_locks": IntRange(0, 4, default=1),
            "num_distractors": IntRange(0, 5, default=1),
        }
    )

    def __init__(self, num_rooms: int = 4, num_locks: int = 1, num_distractors: int = 1, render_mode: str | None = None) -> None:
        super().__init__(render_mode=render_mode)
        self.task = self.task_space.validate(
            {"num_rooms": num_rooms, "num_locks": num_locks, "num_distractors": num_distractors}
        )
        self._game: KeysGame | None = None
        self._score = 0.0
        self._task_id = ""

    def _reset(self, options: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        task = self.task_space.validate({**self.task, **options.get("task", {})})
        world_seed = int(self.np_random.integers(2**31))
        world = generate_world(task["num_rooms"], task["num_locks"], task["num_distractors"], world_seed)
        self._game = KeysGame(world)
        self._score = 0.0
        self._task_id = f"toy/keys:r{task['num_rooms']}-l{task['num_locks']}-d{task['num_distractors']}-s{world_seed}"
        observation = f"Your task: {GOAL}.\n{self._game.describe()}"
        plan = self._game.expert_plan()
        info = self._info(action_valid=True, plan=plan)
        info["reference"] = "; ".join(plan)
        return observation, info

    def _step(self, action: str) -> StepResult:
        assert self._game is not None  # TextEnv.step refuses to step before reset
        feedback, valid = self._game.play(action)
        info = self._info(action_valid=valid)
        reward = info["score"] - self._score
        self._score = info["score"]
        return feedback, reward, self._game.won, False, info

    def _info(self, action_valid: bool, plan: list[str] | None = None) -> dict[str, Any]:
        game = self._game
        rubric = game.rubric()
        if plan is None:
            plan = [] if game.won else game.expert_plan()
        return {
            "task_id": self._task_id,
            "goal": GOAL,
            "admissible_actions": game.admissible_actions(),
            "action_valid": action_valid,
            "score": float(sum(rubric.values())),
            "max_score": float(len(rubric)),
            "won": game.won,
            "lost": False,
            "expert_action": plan[0] if plan else None,
            "rubric": rubric,
            "room": game.room,
        }
