"""TextWorld's PDDL engine, made fast enough to train on.

:class:`AlfredEngine` is TextWorld's ``PddlEnv`` (the engine ALFWorld's text games run on) with
these changes, measured on a kitchen game (56 objects, 30 receptacles, 2 cores):

* Admissible commands are the action templates filled with the entities' names, instead of a
  grammar derivation per applicable action that re-parses each template with a PEG parser
  (170 ms per step upstream). ``go to`` names the receptacle, as the planner's own commands do,
  so every planner or expert command is admissible.
* ``reset()`` restores the facts and the planner's state of the loaded game instead of
  translating the PDDL problem again (two Fast Downward translations, ~1-3 s).
* ``load(data, compiled=...)`` takes the game's stored parse and translations
  (:mod:`environments.alfworld.compiled`) instead of computing them: a cached game loads in
  milliseconds. After any load, :attr:`AlfredEngine.compiled` holds them, to be stored.
* The first observation (the room and the task, derived from the grammar: 21 ms in a bedroom,
  51 ms in seed 0's ``clean`` kitchen, 148 entities, under a load of 3) is derived once per
  game and reused by the later resets (and stored with the compiled form): it depends only on
  the initial state and the names, and the grammar takes the first applicable rule, so it is
  the same text every time.
* Entities get ALFWorld's display names ("apple 1", "sinkbasin 1"), numbered as ALFWorld's
  ``AlfredDemangler`` numbers them (:func:`display_names`).

The feedback text still comes from ALFWorld's grammar (one derivation per step), so the
observations are ALFWorld's. The Fast Downward planner is available through :meth:`plan`.
"""

from __future__ import annotations

import contextlib
import pickle
import re
import sys
from collections import Counter
from collections.abc import Iterator
from typing import Any

from agentgym.deps import require
from environments.alfworld.compiled import Compiled, source_digest

_textworld = require("textworld", extra="alfworld", what="the ALFWorld environments")
_pddl = require("textworld.envs.pddl", extra="alfworld", what="the ALFWorld environments")
_pddl_logic = require("textworld.envs.pddl.logic", extra="alfworld", what="the ALFWorld environments")
_fast_downward = require("fast_downward", extra="alfworld", what="the ALFWorld environments")
_MANGLED = (("_bar_", "|"), ("_minus_", "-"), ("_plus_", "+"), ("_dot_", "."), ("_comma_", ","))


def display_names(ids: list[str]) -> dict[str, str]:
    """ALFWorld's names for entity ids (``apple_bar_01`` -> ``apple 2``), exactly as its demangler.

    The name is the type before the first ``_bar_`` (``basin`` kept: ``sinkbasin``); instances of
    a name are numbered from the last id in sorted order (1) to the first (n), as ALFWorld does,
    so official games show the same names here as in ALFWorld. Ids without ``_bar_`` are kept.
    """
    parsed: dict[str, tuple[str, bool]] = {}
    for entity in ids:
        text = entity
        for mangled, plain in _MANGLED:
            text = text.replace(mangled, plain)
        base, sep, _ = text.partition("|")
        if not sep:
            parsed[entity] = (text, False)
        else:
            parsed[entity] = (base + "basin" if "basin" in entity else base, True)
    remaining = Counter(base for base, numbered in parsed.values() if numbered)
    names: dict[str, str] = {}
    for entity in sorted(ids):
        base, numbered = parsed[entity]
        if numbered:
            names[entity] = f"{base} {remaining[base]}"
            remaining[base] -= 1
        else:
            names[entity] = base
    return names


class AlfredEngine(_pddl.PddlEnv):
    """An ALFWorld game (``game.tw-pddl`` document) in TextWorld's PDDL engine, faster."""

    def __init__(self) -> None:
        super().__init__(_textworld.EnvInfos(feedback=True, admissible_commands=True, won=True))
        self._initial_facts: list = []
        self._intro: str | None = None
        self._names_overridden = False
        self.compiled: Compiled | None = None

    def load(self, data: dict[str, Any], names: dict[str, str] | None = None,  # type: ignore[override]
             compiled: Compiled | None = None) -> None:
        """Load a ``game.tw-pddl`` document.

        Args:
            data: the document (domain, grammar, problem, ...).
            names: display names overriding ALFWorld's (entity id -> name).
            compiled: the document's stored parse, translations and intro; ignored unless
                computed from this very document. None: parse and translate (``PddlEnv.load``'s way).
        """
        source = source_digest(data)
        if compiled is not None and compiled.source != source:
            compiled = None
        # PddlEnv.load's steps, with the parse and the translations taken from ``compiled``
        self._game_file = None
        self._game_data = data
        self.walkthrough = data.get("walkthrough")
        if compiled is None:
            self._logic = _pddl_logic.GameLogic(domain=data["pddl_domain"], grammar=data["grammar"])
            logic = pickle.dumps(self._logic)  # before the state adds the problem's types to it
            self._pddl_state = _pddl_logic.PddlState(self.downward_lib, data["pddl_problem"], self._logic)
        else:
            logic = compiled.logic
            self._logic = compiled.game_logic()
            with _stored_translation(compiled):
                self._pddl_state = _pddl_logic.PddlState(self.downward_lib, data["pddl_problem"], self._logic)
        # a stored intro is in ALFWorld's display names: with names overridden it is derived again
        self._names_overridden = bool(names)
        self._intro = compiled.intro if compiled is not None and not self._names_overridden else None
        self.compiled = Compiled(source, logic, self._pddl_state.sas, self._pddl_state.sas_replan, self._intro)
        self._entity_infos = self._get_entity_infos()
        names = {**display_names([info.id for info in self._entity_infos.values()]), **(names or {})}
        for info in self._entity_infos.values():
            info.name = names[info.id]
        self._initial_facts = list(self._pddl_state.facts)

    def reset(self):
        state = self._pddl_state
        state.remove_facts(list(state.facts))
        state.add_facts(self._initial_facts)
        self.downward_lib.load_sas(state.sas.encode("utf-8"))
        self.downward_lib.load_sas_replan(state.sas_replan.encode("utf-8"))
        self.prev_state = None
        self.state = _textworld.core.GameState()
        self._last_action = None
        self._moves = 0
        if self._intro is None:
            self._intro = self._logic.grammar.derive("#intro#", self._context({}, {}))
            if not self._names_overridden:
                self.compiled.intro = self._intro
        self.state.feedback = self._intro
        self.state.raw = self.state.feedback
        self._gather_infos()
        return self.state

    def _context(self, variables: dict, mapping: dict) -> dict[str, Any]:
        state = self._pddl_state
        return {"state": state, "facts": list(state.facts), "variables": variables, "mapping": mapping,
                "entity_infos": self._entity_infos}

    def _gather_infos(self) -> None:
        state = self._pddl_state
        actions = state.all_applicable_actions()
        commands = [self._command(action) for action in actions]
        self.state["won"] = state.check_goal()
        self.state["lost"] = False
        self.state["_facts"] = list(state.facts)
        self.state["_last_action"] = self._last_action
        self.state["_valid_actions"] = actions
        self.state["_valid_commands"] = commands
        self.state["admissible_commands"] = sorted(set(commands))

    def _command(self, action) -> str:
        template = "go to {r}" if action.name == "gotolocation" else self._logic.actions[action.name].template
        return template.format(**{ph.name: self._entity_infos[var.name].name for ph, var in action.mapping.items()})

    def names(self) -> dict[str, str]:
        """Entity id -> display name."""
        return {key: info.name for key, info in self._entity_infos.items()}

    def plan(self) -> list[str]:
        """Fast Downward's plan from the current state, as commands ([] when it finds none).

        Seconds to minutes on kitchen-sized games: the planner searches every object.
        """
        return list(self._pddl_state.replan(self._entity_infos) or [])


def parse_task(domain: str, problem: str) -> Any:
    """Fast Downward's parsed and normalised task (its translator's Python objects): the first
    half of ``fast_downward.pddl2sas``, without the translation to SAS (~3 ms against 0.1-0.7 s)."""
    argv = sys.argv
    sys.argv = ["translate.py", "domain", "task"]  # fast_downward's options module parses sys.argv on import
    try:
        from fast_downward.translate import normalize
        from fast_downward.translate.pddl_parser import lisp_parser, parsing_functions
    finally:
        sys.argv = argv
    task = parsing_functions.parse_task(lisp_parser.parse_nested_list(domain.split("\n")),
                                        lisp_parser.parse_nested_list(problem.split("\n")))
    normalize.normalize(task)
    return task


@contextlib.contextmanager
def _stored_translation(compiled: Compiled) -> Iterator[None]:
    """Within the block, ``fast_downward.pddl2sas`` (which TextWorld's ``PddlState`` calls twice,
    plainly and optimised) answers with ``compiled``'s translations and a parse of the problem.
    Loading runs one game at a time in its process, so the swap is not seen by other work."""
    original = _fast_downward.pddl2sas
    parsed: list[Any] = []

    def stored(domain: str, problem: str, verbose: bool = False, optimize: bool = False) -> tuple[Any, str]:
        if not parsed:  # the state keeps the first call's task only: parse once
            parsed.append(parse_task(domain, problem))
        return parsed[0], compiled.sas_replan if optimize else compiled.sas

    _fast_downward.pddl2sas = stored
    try:
        yield
    finally:
        _fast_downward.pddl2sas = original


def normalize_command(command: str) -> str:
    """Lower case, single spaces: ALFWorld's commands are all lower case."""
    return re.sub(r"\s+", " ", command.strip().lower())
