"""``alfworld/{pick,clean,heat,cool,examine,pick-two,mixed,official}-v0``: ALFWorld's text games.

Generated games (every id but ``official``) come from :mod:`environments.alfworld.generator`
and are cached like TextWorld's (:mod:`agentgym.cache`, family ``alfworld``). A cache entry
holds ``game.tw-pddl`` and ``game.compiled`` (the game's parsed grammar and Fast Downward
translations, :mod:`environments.alfworld.compiled`), both checksummed when the game is built and
checked at every reset (a mismatch generates the game again); the first reset of a cached game
in an env loads it from ``game.compiled`` without translating it again. ``reset(seed)``
draws the game seed inside the split's range (train 0-999,999, valid 1,000,000-1,999,999,
test 2,000,000-2,999,999); test games also use floor plans no train or valid game uses.
``mixed-v0`` draws the task type too. ``options={"task": "heat", "game_seed": 7}`` names a game.

``official-v0`` plays ALFWorld's own games (``game.tw-pddl`` under ``json_2.1.1/<split>``)
from ``data_path`` or ``$ALFWORLD_DATA``: train -> ``train``, valid -> ``valid_seen``,
test -> ``valid_unseen``; unsolvable games are skipped, as ALFWorld does.

Observations are ALFWorld's text: the first is the room and "Your task is to: ..." (the
TextWorld banner dropped); an action that is not admissible gets "Nothing happens.". Actions
are matched in lower case with single spaces. ``info``: the standard keys, with
``admissible_actions`` = ALFWorld's admissible commands, ``score``/``won`` = the goal holds (the
reward is 1 on the winning step), ``expert_action`` from the hand-coded expert
(:mod:`environments.alfworld.expert`; ``expert="planner"`` uses Fast Downward, seconds per step
on big kitchens; ``expert=None`` none), ``rubric`` = take / change / place (or examine) subgoals.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
from pathlib import Path
from typing import Any

from agentgym.cache import cached_build, content_key
from agentgym.env import StepResult, TextEnv
from agentgym.task_space import Choice, TaskSpace
from environments.alfworld.compiled import COMPILED_FILE, read_compiled, source_digest, write_compiled
from environments.alfworld.engine import AlfredEngine, normalize_command
from environments.alfworld.expert import Goal, World, expert_command, rubric
from environments.alfworld.generator import GAME_FILE, GENERATOR_VERSION, TASK_TYPES, generate, write_game

SPLIT_BASE = {"train": 0, "valid": 1_000_000, "test": 2_000_000}
SPLIT_SIZE = 1_000_000
OFFICIAL_SPLITS = {"train": "train", "valid": "valid_seen", "test": "valid_unseen"}
EXPERTS = ("handcoded", "planner", None)
_BANNER = re.compile(r"^-= Welcome to TextWorld, ALFRED! =-\s*")
_GOAL = re.compile(r"Your task is to: (.*?)\.?\s*$", re.S)
_ALFWORLD_TYPES = {v: k for k, v in TASK_TYPES.items()}
CHECKSUMMED = (GAME_FILE, COMPILED_FILE)


class AlfWorldEnv(TextEnv):
    """ALFWorld games of one task type, all six (``task="mixed"``), or the official ones.

    Args:
        task: a key of :data:`~environments.alfworld.generator.TASK_TYPES`, ``"mixed"`` or
            ``"official"``.
        split: ``train``, ``valid`` or ``test``.
        expert: ``"handcoded"`` (default), ``"planner"`` or None: where ``expert_action`` comes from.
        data_path: for ``official``: the ALFWorld data folder (default ``$ALFWORLD_DATA``).
    """

    def __init__(self, task: str = "mixed", split: str = "train", expert: str | None = "handcoded",
                 data_path: str | None = None, render_mode: str | None = None) -> None:
        super().__init__(render_mode=render_mode)
        if task not in (*TASK_TYPES, "mixed", "official"):
            raise ValueError(f"unknown ALFWorld task {task!r}; choose from {', '.join([*TASK_TYPES, 'mixed', 'official'])}")
        if split not in SPLIT_BASE:
            raise ValueError(f"split must be one of {tuple(SPLIT_BASE)}, got {split!r}")
        if expert not in EXPERTS:
            raise ValueError(f"expert must be one of {EXPERTS}, got {expert!r}")
        self.task, self.split, self.expert = task, split, expert
        self.task_space = TaskSpace({"task": Choice(tuple(TASK_TYPES))}) if task == "mixed" else None
        self._official = _official_games(data_path, split) if task == "official" else []
        self._engine: AlfredEngine | None = None
        self._loaded: Path | None = None
        self._state = None
        self._goal: Goal | None = None
        self._task_id = ""

    def _reset(self, options: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        extra: dict[str, Any] = {}
        if self.task == "official":
            path = self._official[int(self.np_random.integers(len(self._official)))]
            self._task_id = f"alfworld/official:{path.parent.parent.name}/{path.parent.name}"
        else:
            path, extra = self._generated(options)
        if self._engine is None:
            self._engine = AlfredEngine()
        if path != self._loaded:
            data = json.loads(path.read_text())
            self._engine.load(data, compiled=read_compiled(path.with_name(COMPILED_FILE), data))
            self._goal = _goal_of(data, path)
            self._loaded = path
        self._state = self._engine.reset()
        observation = _BANNER.sub("", self._state.feedback).strip()
        match = _GOAL.search(observation)
        info = self._info(action_valid=True)
        info.update(goal=match.group(1) if match else "", game_file=str(path), **extra)
        return observation, info

    def _generated(self, options: dict[str, Any]) -> tuple[Path, dict[str, Any]]:
        task = options.get("task", self.task)
        if self.task == "mixed" and "task" not in options:
            task = list(TASK_TYPES)[int(self.np_random.integers(len(TASK_TYPES)))]
        elif self.task != "mixed" and task != self.task:
            raise ValueError(f"this env plays {self.task!r} games; use alfworld/mixed-v0 to choose the task per episode")
        if self.task == "mixed":
            task = self.task_space.validate({"task": task})["task"]
        seed = options.get("game_seed")
        if seed is None:
            seed = SPLIT_BASE[self.split] + int(self.np_random.integers(SPLIT_SIZE))
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ValueError(f"game_seed must be a non-negative int, got {seed!r}")
        versions = {"alfworld": importlib.metadata.version("alfworld"), "generator": str(GENERATOR_VERSION)}
        key = content_key(task, {"seed": seed, "split": self.split}, versions)
        if self._engine is None:
            self._engine = AlfredEngine()
        engine, built = self._engine, []

        def build(directory: Path) -> None:
            path = write_game(generate(task, seed, self.split, engine=engine), directory)
            # generation ends with the game loaded in the engine (its plan played in it): store
            # that load's parse and translations, if they are this game's (else compile it)
            data = json.loads(path.read_text())
            if engine.compiled is None or engine.compiled.source != source_digest(data):
                engine.load(data)
            write_compiled(engine.compiled, directory)
            built.append(True)

        directory = cached_build("alfworld", key, build, _is_valid, checksummed=CHECKSUMMED)
        if built:
            self._loaded = None  # generation played other games in the engine: load this one again
        self._task_id = f"alfworld/{task}:{key.rsplit('-', 1)[1]}"
        return directory / GAME_FILE, {"game_seed": seed, "task_type": task}

    def _step(self, action: str) -> StepResult:
        command = normalize_command(action)
        valid = command in self._state["admissible_commands"]
        was_won = bool(self._state["won"])
        self._state, _, _ = self._engine.step(command)
        won = bool(self._state["won"])
        reward = 1.0 if won and not was_won else 0.0
        return self._state.feedback.strip(), reward, won, False, self._info(action_valid=valid)

    def _close(self) -> None:
        self._engine = None  # its library copy stays mapped until the process ends (ctypes cannot unload it)
        self._loaded = None

    def _info(self, action_valid: bool) -> dict[str, Any]:
        state, goal = self._state, self._goal
        won = bool(state["won"])
        world = World((f.name, *(v.name for v in f.arguments)) for f in state["_facts"])
        expert = None
        if not won and goal is not None and self.expert == "handcoded":
            expert = expert_command(world, self._engine.names(), goal)
        elif not won and self.expert == "planner":
            plan = self._engine.plan()
            expert = plan[0] if plan else None
        return {
            "task_id": self._task_id,
            "admissible_actions": list(state["admissible_commands"]),
            "action_valid": action_valid,
            "score": float(won),
            "max_score": 1.0,
            "won": won,
            "lost": False,
            "expert_action": expert,
            "rubric": rubric(world, goal, won) if goal is not None else {},
        }


def _is_valid(directory: Path) -> bool:
    try:
        data = json.loads((directory / GAME_FILE).read_text())
        return bool(data["pddl_problem"] and data["grammar"] and data["solvable"])
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _goal_of(data: dict[str, Any], path: Path) -> Goal | None:
    """The goal's task type and ALFRED types, from the game or the official ``traj_data.json``."""
    params, task_type = data.get("pddl_params"), data.get("task_type")
    traj = path.with_name("traj_data.json")
    if params is None and traj.exists():
        traj_data = json.loads(traj.read_text())
        params, task_type = traj_data.get("pddl_params"), traj_data.get("task_type")
    task = _ALFWORLD_TYPES.get(task_type or "")
    if not params or task is None or params.get("object_sliced"):
        return None  # the hand-coded expert does not slice; use expert="planner"
    return Goal(task, params["object_target"], params.get("parent_target", ""), params.get("toggle_target", ""))


def _official_games(data_path: str | None, split: str) -> list[Path]:
    root = data_path or os.environ.get("ALFWORLD_DATA")
    if not root:
        raise ValueError("alfworld/official-v0 plays ALFWorld's own games: download them with "
                         "`alfworld-download` (needs internet) and set ALFWORLD_DATA or pass data_path=")
    folder = Path(root) / "json_2.1.1" / OFFICIAL_SPLITS[split]
    games = []
    for path in sorted(folder.rglob(GAME_FILE)):
        try:
            if json.loads(path.read_text()).get("solvable"):
                games.append(path)
        except (OSError, ValueError):
            continue
    if not games:
        raise ValueError(f"no solvable ALFWorld game ({GAME_FILE}) under {folder}")
    return games
