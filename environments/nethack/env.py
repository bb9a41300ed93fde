"""``nethack/<task>-v0``: the NLE tasks behind the text-env contract.

Observations are text (:mod:`environments.nethack.render`): the game message, a window of the
map around the player (or the whole map), a status line and the inventory. Actions are words
or raw keys (:mod:`environments.nethack.vocabulary`); an unknown word is answered with the list
of words and ``action_valid=False``, and the game does not move.

Reward is the NLE task's own reward. ``won`` is NLE's ``TASK_SUCCESSFUL`` (staircase, pet,
oracle), ``lost`` its ``DEATH``; an episode that reaches ``max_steps`` is truncated.
Determinism: ``reset(seed)`` seeds NetHack's core and display generators from the seed, with
NetHack's reseeding off and the moon phase fixed, so the same seed and actions replay the game.
NLE's ``NetHackChallenge`` class refuses seeding (to keep its competition fair), so
``challenge`` is the Score task with the Challenge's settings instead: the full keyboard, no
menu or prompt skipped, a random character, no step penalty — and a seed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from agentgym.deps import require
from agentgym.env import StepResult, TextEnv
from environments.nethack.render import nethack, render
from environments.nethack.vocabulary import Vocabulary

tasks = require("nle.env.tasks", extra="nethack", what="the NetHack environments")

OBSERVATION_KEYS = ("chars", "blstats", "message", "inv_strs", "inv_letters")
MAP_VIEWS = ("window", "full")
ABORTED, DEATH, TASK_SUCCESSFUL = -1, 1, 2  # NLE's StepStatus values (the task envs' enum)
LEGEND = "Map legend: @ you, > stairs down, < stairs up, $ gold, # corridor, + door, letters are monsters (d: your dog)."


@dataclass(frozen=True)
class Task:
    """One NLE task: its class in ``nle.env.tasks``, the goal text, and its rubric."""

    nle_class: str
    goal: str
    rubric: tuple[tuple[str, Callable[[dict[str, Any]], bool]], ...]
    nle_kwargs: tuple[tuple[str, Any], ...] = ()


_DESCEND = ("descend below the first level", lambda s: s["depth"] > 1)
_WON = lambda name: (name, lambda s: s["won"])  # noqa: E731

TASKS: dict[str, Task] = {
    "score": Task("NetHackScore", "Score as many points as you can: explore, fight, collect gold and descend.",
                  (_DESCEND, ("collect gold", lambda s: s["gold"] > 0))),
    "staircase": Task("NetHackStaircase", "Find the staircase down (>) and go down it.", (_WON("go down the staircase"),)),
    "pet": Task("NetHackStaircasePet", "Go down the staircase (>) while your pet is next to you.", (_WON("go down the staircase with the pet"),)),
    "oracle": Task("NetHackOracle", "Find the Oracle, deeper in the dungeon, and stand next to it.", (_DESCEND, _WON("reach the Oracle"))),
    "gold": Task("NetHackGold", "Collect as much gold ($) as you can.", (("collect gold", lambda s: s["gold"] > 0), _DESCEND)),
    "eat": Task("NetHackEat", "Stay fed: find food and eat it when you are hungry.", (("not hungry", lambda s: s["hunger"] <= 1),)),
    "scout": Task("NetHackScout", "Explore as much of the dungeon as you can.", (_DESCEND,)),
    "challenge": Task("NetHackScore", "Play NetHack to win (ascend); the in-game score counts. Full keyboard, menus are not skipped.",
                      (_DESCEND, ("collect gold", lambda s: s["gold"] > 0)),
                      (("actions", nethack.ACTIONS), ("allow_all_yn_questions", True), ("allow_all_modes", True),
                       ("character", "@"), ("penalty_step", 0.0))),
}


class NetHackEnv(TextEnv):
    """One NLE task with a text interface.

    Args:
        task: a key of :data:`TASKS`.
        map_view: ``"window"`` (the map around the player) or ``"full"``.
        window_radius: rows above and below the player in the window (columns: twice that).
        show_inventory: add the inventory to each observation.
        max_steps: NLE's step limit; the episode is truncated there.
        character: NLE's character string (``"mon-hum-neu-mal"``, or ``"@"`` for a random one).
        render_mode: ``"ansi"``, ``"human"`` or None.
    """

    def __init__(
        self,
        task: str = "score",
        map_view: str = "window",
        window_radius: int = 6,
        show_inventory: bool = True,
        max_steps: int = 5000,
        character: str | None = None,
        render_mode: str | None = None,
    ) -> None:
        super().__init__(render_mode=render_mode)
        if task not in TASKS:
            raise ValueError(f"unknown NetHack task {task!r}; choose from {', '.join(TASKS)}")
        if map_view not in MAP_VIEWS:
            raise ValueError(f"map_view must be one of {MAP_VIEWS}, got {map_view!r}")
        if isinstance(window_radius, bool) or not isinstance(window_radius, int) or window_radius < 1:
            raise ValueError(f"window_radius must be a positive int, got {window_radius!r}")
        if isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 1:
            raise ValueError(f"max_steps must be a positive int, got {max_steps!r}")
        self.task = TASKS[task]
        self.task_name = task
        self._radius = window_radius if map_view == "window" else None
        self._show_inventory = show_inventory
        settings = dict(self.task.nle_kwargs) | ({"character": character} if character else {})
        self._nle = getattr(tasks, self.task.nle_class)(
            observation_keys=OBSERVATION_KEYS, max_episode_steps=max_steps, fix_moon_phase=True, **settings
        )
        self.vocabulary = Vocabulary(self._nle.actions)
        self._obs: dict[str, np.ndarray] = {}
        self._task_id = ""

    def _reset(self, options: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        core, display = (int(x) for x in self.np_random.integers(2**62, size=2))
        self._nle.seed(core, display, reseed=False)
        self._obs, _ = self._nle.reset()
        self._task_id = f"nethack/{self.task_name}:{core}"
        text = f"Goal: {self.task.goal}\n{LEGEND}\n{self._text()}"
        return text, self._info(valid=True, status=0)

    def _step(self, action: str) -> StepResult:
        index = self.vocabulary.lookup(action.strip())
        if index is None:
            feedback = f"Unknown action {action.strip()[:60]!r}. Say one of: {', '.join(self.vocabulary.listing)}; or type a single key."
            return f"{feedback}\n{self._text()}", 0.0, False, False, self._info(valid=False, status=0)
        self._obs, reward, done, truncated, nle_info = self._nle.step(index)
        status = int(nle_info["end_status"])
        # At its step limit NLE ends the game with status ABORTED but, on that last step,
        # without its truncation flag: an aborted game is a truncation, not an outcome.
        truncated = bool(truncated or status == ABORTED)
        return self._text(), float(reward), bool(done) and not truncated, truncated, self._info(valid=True, status=status)

    def _close(self) -> None:
        self._nle.close()

    def _text(self) -> str:
        return render(self._obs, radius=self._radius, show_inventory=self._show_inventory)

    def _info(self, *, valid: bool, status: int) -> dict[str, Any]:
        b = self._obs["blstats"]
        state = {
            "score": float(b[nethack.NLE_BL_SCORE]),
            "depth": int(b[nethack.NLE_BL_DEPTH]),
            "gold": int(b[nethack.NLE_BL_GOLD]),
            "hp": int(b[nethack.NLE_BL_HP]),
            "hp_max": int(b[nethack.NLE_BL_HPMAX]),
            "hunger": int(b[nethack.NLE_BL_HUNGER]),
            "turn": int(b[nethack.NLE_BL_TIME]),
            "won": status == TASK_SUCCESSFUL,
            "lost": status == DEATH,
        }
        return {
            "task_id": self._task_id,
            "goal": self.task.goal,
            "admissible_actions": self.vocabulary.listing,
            "action_valid": valid,
            "expert_action": None,
            "rubric": {name: float(check(state)) for name, check in self.task.rubric},
            **state,
        }
