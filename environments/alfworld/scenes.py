"""ALFRED's 120 floor plans, as the receptacles and objects a generated ALFWorld task may use.

The alfworld wheel ships, for every AI2-THOR floor plan, the object types present
(``gen/layouts/FloorPlanN-objects.json``) and the receptacle instances an agent can stand at
(``FloorPlanN-openable.json``), together with ALFRED's tables of which receptacle may hold
which object and which objects can be cleaned, heated, cooled or toggled
(``alfworld.gen.constants``). This module reads those facts; it invents none.

Floor plans 1-30 are kitchens, 201-230 living rooms, 301-330 bedrooms, 401-430 bathrooms.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from agentgym.deps import require

ROOMS = {0: "kitchen", 2: "living room", 3: "bedroom", 4: "bathroom"}
# ALFRED names a sink's and a bathtub's receptacle part "...Basin"; the layouts list the fixture.
_BASIN = {"Sink": "SinkBasin", "Bathtub": "BathtubBasin"}


@dataclass(frozen=True)
class Scene:
    """One floor plan: what a task generated in it can contain.

    Attributes:
        floor_plan: AI2-THOR's number (1-30, 201-230, 301-330, 401-430).
        receptacles: static receptacle type -> number of instances.
        objects: types an agent can pick up and that some receptacle here may hold.
        toggles: lamps (``DeskLamp``, ``FloorLamp``) in the scene.
    """

    floor_plan: int
    receptacles: dict[str, int]
    objects: tuple[str, ...]
    toggles: tuple[str, ...]

    @property
    def room(self) -> str:
        return ROOMS[self.floor_plan // 100]

    def holders(self, obj: str) -> list[str]:
        """The receptacle types here that may hold ``obj`` (sorted)."""
        return sorted(r for r in self.receptacles if obj in can_hold()[r])


def constants():
    """``alfworld.gen.constants`` (ALFRED's object tables)."""
    return require("alfworld.gen.constants", extra="alfworld", what="the ALFWorld environments")


@functools.cache
def can_hold() -> dict[str, frozenset[str]]:
    """Static receptacle type -> the object types it may hold (ALFRED's table)."""
    table = constants().VAL_RECEPTACLE_OBJECTS
    movable = set(constants().MOVABLE_RECEPTACLES)
    return {r: frozenset(objs) for r, objs in table.items() if r not in movable}


@functools.cache
def affordances() -> dict[str, frozenset[str]]:
    """``Cleanable`` / ``Heatable`` / ``Coolable`` / ``Toggleable`` / ``Sliceable`` -> object types."""
    return {name: frozenset(objs) for name, objs in constants().VAL_ACTION_OBJECTS.items()}


def layouts_dir() -> Path:
    alfworld = require("alfworld", extra="alfworld", what="the ALFWorld environments")
    return Path(alfworld.__file__).parent / "gen" / "layouts"


@functools.cache
def load_scenes() -> tuple[Scene, ...]:
    """Every floor plan shipped with alfworld, in floor-plan order."""
    folder = layouts_dir()
    numbers = sorted(int(p.name[len("FloorPlan"):-len("-objects.json")]) for p in folder.glob("FloorPlan*-objects.json"))
    return tuple(_scene(folder, n) for n in numbers)


def _scene(folder: Path, number: int) -> Scene:
    present = set(json.loads((folder / f"FloorPlan{number}-objects.json").read_text()))
    openable = folder / f"FloorPlan{number}-openable.json"
    instances = Counter(k.split("|")[0] for k in json.loads(openable.read_text())) if openable.exists() else Counter()
    instances = Counter({_BASIN.get(t, t): n for t, n in instances.items()})
    present = {_BASIN.get(t, t) for t in present}
    holders = can_hold()
    receptacles = {r: max(1, instances[r]) for r in sorted(present) if r in holders}
    toggles = tuple(sorted(present & affordances()["Toggleable"]))
    placeable = set().union(*(holders[r] for r in receptacles)) if receptacles else set()
    objects = tuple(sorted(o for o in present - set(receptacles) - set(toggles) if o in placeable))
    return Scene(number, receptacles, objects, toggles)
