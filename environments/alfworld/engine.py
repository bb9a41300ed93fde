"""TextWorld's PDDL engine, made fast enough to train on.

:class:`AlfredEngine` is TextWorld's ``PddlEnv`` (the engine ALFWorld's text games run on) with
three changes, all measured on a kitchen game (56 objects, 30 receptacles, 2 cores):

* Admissible commands are the action templates filled with the entities' names, instead of a
  grammar derivation per applicable action that re-parses each template with a PEG parser
  (170 ms per step upstream). ``go to`` names the receptacle, as the planner's own commands do,
  so every planner or expert command is admissible.
* ``reset()`` restores the facts and the planner's state of the loaded game instead of
  translating the PDDL problem again (two Fast Downward translations, ~1-3 s).
* Entities get ALFWorld's display names ("apple 1", "sinkbasin 1"), numbered as ALFWorld's
  ``AlfredDemangler`` numbers them (:func:`display_names`).

The feedback text still comes from ALFWorld's grammar (one derivation per step), so the
observations are ALFWorld's. The Fast Downward planner is available through :meth:`plan`.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from agentgym.deps import require

_textworld = require("textworld", extra="alfworld", what="the ALFWorld environments")
_pddl = require("textworld.envs.pddl", extra="alfworld", what="the ALFWorld environments")
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

    def load(self, data: dict[str, Any], names: dict[str, str] | None = None) -> None:  # type: ignore[override]
        """Load a ``game.tw-pddl`` document; ``names`` overrides display names (id -> name)."""
        super().load(data)
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
        self.state.feedback = self._logic.grammar.derive("#intro#", self._context({}, {}))
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


def normalize_command(command: str) -> str:
    """Lower case, single spaces: ALFWorld's commands are all lower case."""
    return re.sub(r"\s+", " ", command.strip().lower())
