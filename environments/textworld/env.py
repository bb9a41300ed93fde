"""``textworld/{simple,cooking,coin,treasure,custom,game}-v0``: TextWorld games as text envs.

Games are generated offline from (kind, parameters, seed) on first use and cached
(:mod:`agentgym.cache`; Inform7's ``$HOME/Inform`` goes to a temporary HOME, deleted once the
game is compiled). A cache entry's ``game.z8`` and ``game.json`` are checksummed when the game is
built and checked at every reset: a story file with garbage inside loads for ever in the
Z-machine interpreter instead of failing, so a mismatch generates the game again. ``reset(seed)``
picks the game seed deterministically inside the split's seed range, so train / valid / test games never overlap:

=======  ===========================
split    game seeds
=======  ===========================
train    0 .. 999,999
valid    1,000,000 .. 1,999,999
test     2,000,000 .. 2,999,999
=======  ===========================

(``cooking`` also passes the split to TextWorld, whose recipes differ per split.)
``options={"task": {...}}`` overrides the parameters for one episode (checked against
:attr:`task_space` before anything is generated), ``options={"game_seed": n}`` names a game.

Control characters and backslashes in an action are replaced by spaces (the Z-machine
interpreter hangs on a NUL byte, and reads a backslash as an escape of its own). The first observation is the objective and the room description (TextWorld's banner is
dropped); later ones are TextWorld's feedback without its prompt line — and, with
``describe_room=True``, followed by the current room's description (what ``look`` prints)
whenever the feedback does not already hold it, the observation most TextWorld agents are
trained on: after a move that failed ("You can't go that way.") the exits stay in view, which
an agent that sees only the last turn or two (the ``window`` context) needs. ``info``: the standard
keys, with ``admissible_actions`` = TextWorld's admissible commands, ``action_valid`` = the
action was one of them, ``expert_action`` = the first command of TextWorld's winning policy
from the current state, ``rubric`` = one entry per quest that winning requires (1.0 once
completed; fail-only and optional quests left out), and on reset
``reference`` = the whole winning command sequence joined with "; " (the target of
information-gain rewards, IGPO).

``textworld/game-v0`` plays story files (``path=``: a ``.z1``-``.z8`` file or a folder of them).
A game TextWorld generated, with its ``game.json`` beside it, is reported as above; any other
Z-machine game (a Jericho game, an Inform game, a TextWorld game without its ``game.json``) is
played with what Jericho knows of it (:mod:`environments.textworld.story`): the first
observation is the game's own opening text, with no ``goal``; ``expert_action`` and
``reference`` are None; ``admissible_actions``, ``score``/``max_score`` and ``won``/``lost`` only
for the games Jericho fully supports (``admissible_actions`` None otherwise); the episode ends
when the story asks whether to RESTART, RESTORE or QUIT. Its interpreter's random numbers are
seeded from the episode's seed, so a game that draws them replays the same.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from agentgym.cache import cached_build, content_key
from agentgym.deps import require
from agentgym.env import StepResult, TextEnv
from agentgym.task_space import Choice, IntRange, TaskSpace
from environments.textworld.story import bare_info, bare_infos, game_over, is_described, story_files
from environments.textworld.walkthrough import compile_free_walkthroughs

textworld = require("textworld", extra="textworld", what="the TextWorld environments")
challenges = require("textworld.challenges", extra="textworld", what="the TextWorld environments")
generator = require("textworld.generator", extra="textworld", what="the TextWorld environments")

logger = logging.getLogger(__name__)

SPLIT_BASE = {"train": 0, "valid": 1_000_000, "test": 2_000_000}
SPLIT_SIZE = 1_000_000
_PROMPT = re.compile(r"\n>[^\n]*$")
_BLANK_LINES = re.compile(r"\n\s*\n(\s*\n)+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\\]")
GAME_FILE = "game.z8"
CHECKSUMMED = (GAME_FILE, "game.json")  # what a reset reads: a corrupted one is generated again

TASK_SPACES: dict[str, TaskSpace] = {
    "simple": TaskSpace({"rewards": Choice(("dense", "balanced", "sparse")), "goal": Choice(("detailed", "brief", "none"))}),
    "cooking": TaskSpace({
        "recipe": IntRange(1, 5, default=1), "take": IntRange(0, 5, default=1), "go": Choice((1, 6, 9, 12)),
        "open": Choice((False, True)), "cook": Choice((False, True)), "cut": Choice((False, True)),
    }),
    "coin": TaskSpace({"level": IntRange(1, 300, default=1), "goal": Choice(("detailed", "brief"))}),
    "treasure": TaskSpace({"level": IntRange(1, 30, default=1)}),
    "custom": TaskSpace({"world_size": IntRange(1, 20, default=3), "nb_objects": IntRange(0, 30, default=5),
                         "quest_length": IntRange(1, 20, default=3)}),
}
# Parameters that change what the player is told, not the game: left out of the game's cache key.
# coin's ``goal="brief"`` replaces TextWorld's objective, which spells out the route, with the
# task of the original Coin Collector (Yuan et al. 2018, "Counting to Explore and Generalize in
# Text-based Games"): find the coin.
TOLD_PARAMETERS = {"coin": ("goal",)}
BRIEF_GOALS = {"coin": "Find the coin and take it."}
CHALLENGE_NAMES = {"simple": "tw-simple", "cooking": "tw-cooking", "coin": "tw-coin_collector", "treasure": "tw-treasure_hunter"}


def build_game(kind: str, task: dict[str, Any], seed: int, split: str, path: Path) -> None:
    """Generate and compile one game to ``path`` (called by the cache, under its lock)."""
    options = textworld.GameOptions()
    options.seeds = seed
    options.path = str(path)
    options.file_ext = ".z8"
    options.force_recompile = True
    if kind == "custom":
        options.nb_rooms, options.nb_objects, options.quest_length = task["world_size"], task["nb_objects"], task["quest_length"]
        game = generator.make_game(options)
    else:
        settings = dict(task)
        if kind == "simple":
            settings["test"] = split == "test"
        elif kind == "cooking":
            settings.update(split=split, recipe_seed=seed, drop=False)
        make = challenges.CHALLENGES[CHALLENGE_NAMES[kind]][1]
        with compile_free_walkthroughs():
            game = make(settings, options)
    generator.compile_game(game, options)


class TextWorldEnv(TextEnv):
    """One TextWorld game family.

    Args:
        kind: ``simple``, ``cooking``, ``coin``, ``treasure``, ``custom`` or ``game``.
        split: ``train``, ``valid`` or ``test`` (the game-seed range; see the module docstring).
        path: for ``kind="game"``: a Z-machine story file (``.z1``-``.z8``), or a folder of them
            (reset picks one); see the module docstring for games without TextWorld's ``game.json``.
        describe_room: follow each step's feedback with the room's description when the
            feedback does not already hold it (see the module docstring).
        **task: the kind's parameters (see :data:`TASK_SPACES`), e.g. ``level=5``.
    """

    def __init__(self, kind: str = "simple", split: str = "train", path: str | None = None,
                 describe_room: bool = False, render_mode: str | None = None, **task: Any) -> None:
        super().__init__(render_mode=render_mode)
        if kind != "game" and kind not in TASK_SPACES:
            raise ValueError(f"unknown TextWorld kind {kind!r}; choose from {', '.join([*TASK_SPACES, 'game'])}")
        if split not in SPLIT_BASE:
            raise ValueError(f"split must be one of {tuple(SPLIT_BASE)}, got {split!r}")
        self.kind, self.split, self.describe_room = kind, split, bool(describe_room)
        self.task_space = TASK_SPACES.get(kind)
        if kind == "game":
            if task:
                raise ValueError(f"textworld/game-v0 takes a path, not task parameters {sorted(task)}")
            self._games = story_files(path)
            self.task = {}
        else:
            self.task = self.task_space.validate(task)
        self._tw = None
        self._state = None
        self._bare = False  # playing a story file TextWorld does not describe
        self._task_id = ""
        self._game_seed: int | None = None

    def _reset(self, options: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        task: dict[str, Any] = {}
        if self.kind == "game":
            gamefile = self._games[int(self.np_random.integers(len(self._games)))]
            self._task_id = f"textworld/game:{gamefile.name}"
            self._bare = not is_described(gamefile)
        else:
            task = self.task_space.validate({**self.task, **options.get("task", {})})
            seed = options.get("game_seed")
            if seed is None:
                seed = SPLIT_BASE[self.split] + int(self.np_random.integers(SPLIT_SIZE))
            if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
                raise ValueError(f"game_seed must be a non-negative int, got {seed!r}")
            game = {k: v for k, v in task.items() if k not in TOLD_PARAMETERS.get(self.kind, ())}
            key = content_key(self.kind, {**game, "seed": seed, "split": self.split}, {"textworld": textworld.__version__})
            gamefile = cached_build("textworld", key, lambda tmp: _build_in(tmp, self.kind, game, seed, self.split),
                                    _is_valid, checksummed=CHECKSUMMED) / GAME_FILE
            told = "".join(f":{k}={task[k]}" for k in TOLD_PARAMETERS.get(self.kind, ())
                           if task[k] != self.task_space.default()[k])
            self._task_id = f"textworld/{self.kind}:{key.split('-', 1)[1]}{told}"
            self._game_seed = seed
        self._close()
        if self._bare:
            return self._reset_bare(gamefile)
        infos = textworld.EnvInfos(feedback=True, description=True, objective=True, admissible_commands=True,
                                   policy_commands=True, score=True, max_score=True, won=True, lost=True)
        self._tw = _start(gamefile, infos, logging.DEBUG)  # TextWorld describes the game: Jericho's warning is moot
        self._state = self._tw.reset()
        objective = (self._state["objective"] or "").strip()
        if task.get("goal") == "brief" and self.kind in BRIEF_GOALS:
            objective = BRIEF_GOALS[self.kind]
        observation = f"{objective}\n\n{_clean(self._state['description'])}".strip()
        info = self._info(action_valid=True)
        info.update(goal=objective, game_seed=self._game_seed, game_file=str(gamefile),
                    reference="; ".join(self._state["policy_commands"] or []) or None)
        return observation, info

    def _reset_bare(self, gamefile: Path) -> tuple[str, dict[str, Any]]:
        self._tw = _start(gamefile, bare_infos(self.describe_room), logging.INFO)
        # Jericho seeds the game's random numbers from the clock unless given a (non-zero) seed.
        self._tw.seed(int(self.np_random.integers(1, 2**31 - 1)))
        self._state = self._tw.reset()
        info = self._info(action_valid=True)
        info.update(game_file=str(gamefile), reference=None)
        return _clean(self._state["feedback"], keep_indent=True), info

    def _step(self, action: str) -> StepResult:
        # The Z-machine interpreter hangs on a NUL byte and crashes on some control characters:
        # they are replaced by spaces before the game sees the command.
        action = _CONTROL.sub(" ", action)
        admissible = self._state.get("admissible_commands")
        valid = admissible is None or action.strip().lower() in (c.lower() for c in admissible)
        previous = self._state.get("score")
        self._state, _, done = self._tw.step(action)
        score = self._state.get("score")
        reward = float(score - previous) if score is not None and previous is not None else 0.0
        observation = _clean(self._state["feedback"], keep_indent=self._bare)
        done = bool(done) or (self._bare and game_over(observation))
        if self.describe_room and not done:
            description = _clean(self._state.get("description"))
            if description and description not in observation:
                observation = f"{observation}\n\n{description}"
        return observation, reward, done, False, self._info(action_valid=valid)

    def _close(self) -> None:
        if self._tw is not None:
            self._tw.close()
            self._tw = None

    def _info(self, action_valid: bool) -> dict[str, Any]:
        if self._bare:
            return bare_info(self._state, self._task_id, action_valid)
        state = self._state
        policy = state["policy_commands"] or []
        progression = state.get("_game_progression")
        quests = progression.quest_progressions if progression is not None else []
        return {
            "task_id": self._task_id,
            "admissible_actions": list(state["admissible_commands"] or []),
            "action_valid": action_valid,
            "score": float(state["score"]),
            "max_score": float(state["max_score"]),
            "won": bool(state["won"]),
            "lost": bool(state["lost"]),
            "expert_action": policy[0] if policy and not state["won"] else None,
            "rubric": _rubric(quests),
        }


def _start(gamefile: Path, infos: Any, level: int) -> Any:
    """``textworld.start``, its warnings logged at ``level`` instead of shown: Jericho warns that
    every game it does not recognise is "not fully supported" (TextWorld's own games included;
    TextWorld silences that warning globally, but a caller recording warnings, as Gymnasium's
    checker does, would see it at every reset)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        env = textworld.start(str(gamefile), request_infos=infos)
    for warning in caught:
        logger.log(level, "%s: %s", gamefile.name, warning.message)
    return env


def _rubric(quests: list[Any]) -> dict[str, float]:
    """``quest i``: 1.0 once the i-th quest winning requires is completed. TextWorld's fail-only
    quests (cooking's "do not burn the ingredient": no win event, never completed) and optional
    ones are left out, so the rubric is all ones exactly when the game is won."""
    required = [q for q in quests if q.completable and not q.quest.optional]
    return {f"quest {i + 1}": float(q.completed) for i, q in enumerate(required)}


def _build_in(directory: Path, kind: str, task: dict[str, Any], seed: int, split: str) -> None:
    home = directory / "home"
    with private_home(home):
        build_game(kind, task, seed, split, directory / GAME_FILE)
    shutil.rmtree(home, ignore_errors=True)  # Inform7's documentation and settings: ~500 KB per game


def _is_valid(directory: Path) -> bool:
    """Both the story file and its JSON description are there and the JSON parses."""
    try:
        json.loads((directory / "game.json").read_text())
        return (directory / GAME_FILE).stat().st_size > 0
    except (OSError, ValueError):
        return False


@contextlib.contextmanager
def private_home(home: Path) -> Iterator[None]:
    """Point HOME at ``home`` for the duration (Inform7 writes ``$HOME/Inform``)."""
    home.mkdir(parents=True, exist_ok=True)
    previous = os.environ.get("HOME")
    os.environ["HOME"] = str(home)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("HOME", None)
        else:
            os.environ["HOME"] = previous


def _clean(text: str | None, keep_indent: bool = False) -> str:
    """TextWorld's text without its trailing prompt line (``>  -= Room =- 1/2``), and runs of
    blank lines (TextWorld's room descriptions leave several) cut to one. ``keep_indent`` keeps
    the first line's leading spaces (a story's own text may open with centred ASCII art)."""
    text = _BLANK_LINES.sub("\n\n", _PROMPT.sub("", text or ""))
    return text.strip("\n").rstrip() if keep_indent else text.strip()
