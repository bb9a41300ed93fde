"""A hand-coded ALFWorld expert and subgoal rubric, computed from the game's PDDL facts.

ALFWorld ships two experts: Fast Downward's planner (exact, but seconds to minutes per step on
kitchen-sized games) and a hand-coded agent that explores. This one knows the facts, like the
planner, and follows the fixed recipe of each of the six task types, so it costs microseconds:

* pick / clean / heat / cool / pick-two: fetch an unplaced target object (opening its receptacle
  if needed), clean / heat / cool it with the sink basin / microwave / fridge where the task asks,
  then put it in a receptacle of the target type (for ``pick-two``, the one already holding the
  first); anything else in hand is put down first;
* examine: fetch the target object and turn on the lamp while standing at it.

It recomputes its command from the current facts every step, so it recovers from any detour.
Both the expert and the rubric read a :class:`World`, built once per state from facts, which
are ``(predicate, arg, ...)`` tuples of PDDL names.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

Fact = tuple[str, ...]
# The tool and the state predicate of each state-change task.
_CHANGE = {"clean": ("sinkbasintype", "isclean", "clean"), "heat": ("microwavetype", "ishot", "heat"),
           "cool": ("fridgetype", "iscool", "cool")}


@dataclass(frozen=True)
class Goal:
    """What a game asks: its task type (agentgym's name) and ALFRED types (``Apple``, ``Fridge``)."""

    task: str
    obj: str
    recep: str = ""
    toggle: str = ""


class World:
    """The facts of one state, indexed for the expert and the rubric."""

    def __init__(self, facts: Iterable[Fact]) -> None:
        self.type: dict[str, str] = {}
        self.inside: dict[str, str] = {}
        self.at: dict[str, str] = {}  # receptacle -> location
        self.flags: set[Fact] = set()
        self.can_contain: set[tuple[str, str]] = set()
        self.location = ""
        self.held: str | None = None
        for fact in facts:
            name, args = fact[0].lower(), [a.lower() for a in fact[1:]]
            if name in ("objecttype", "receptacletype"):
                self.type[args[0]] = args[1]
            elif name == "inreceptacle":
                self.inside[args[0]] = args[1]
            elif name == "receptacleatlocation":
                self.at[args[0]] = args[1]
            elif name == "atlocation":
                self.location = args[1]
            elif name == "holds":
                self.held = args[1]
            elif name == "cancontain":
                self.can_contain.add((args[0], args[1]))
            elif len(args) == 1:
                self.flags.add((name, args[0]))

    def has(self, flag: str, entity: str) -> bool:
        return (flag, entity) in self.flags

    def of_type(self, type_: str) -> list[str]:
        return sorted(e for e, t in self.type.items() if t == type_)

    def here(self, receptacle: str) -> bool:
        return self.at.get(receptacle) == self.location

    def is_open(self, receptacle: str) -> bool:
        return not self.has("openable", receptacle) or self.has("opened", receptacle)


def _type(name: str) -> str:
    return f"{name.lower()}type"


def placed(world: World, goal: Goal) -> dict[str, list[str]]:
    """Receptacle of the target type -> target objects in it that meet the goal's state change."""
    needs = _CHANGE[goal.task][1] if goal.task in _CHANGE else None
    result: dict[str, list[str]] = {r: [] for r in world.of_type(_type(goal.recep))}
    for obj in world.of_type(_type(goal.obj)):
        where = world.inside.get(obj)
        if where in result and (needs is None or world.has(needs, obj)):
            result[where].append(obj)
    return result


def expert_command(world: World, names: dict[str, str], goal: Goal) -> str | None:
    """The expert's next command in ``world``, or None when the goal holds or nothing can be done."""
    name = names.get
    if goal.task == "examine":
        return _examine(world, goal, name)
    done = placed(world, goal)
    needed = 2 if goal.task == "pick-two" else 1
    if any(len(objs) >= needed for objs in done.values()):
        return None
    finished = {o for objs in done.values() for o in objs}
    held = world.held
    if held is not None and world.type.get(held) == _type(goal.obj) and held not in finished:
        if goal.task in _CHANGE:
            tool_type, state, verb = _CHANGE[goal.task]
            if not world.has(state, held):
                tools = world.of_type(tool_type)
                if not tools:
                    return None
                tool = next((t for t in tools if world.here(t)), tools[0])
                return f"{verb} {name(held)} with {name(tool)}" if world.here(tool) else f"go to {name(tool)}"
        # pick-two: both objects must end in the same receptacle; prefer the one holding the first
        if not done:
            return None
        target = max(sorted(done), key=lambda r: len(done[r]))  # the first of the fullest
        return _deliver(world, held, target, name)
    if held is not None:
        return _put_down(world, held, name)
    candidates = [o for o in world.of_type(_type(goal.obj)) if o not in finished and o in world.inside]
    return _fetch(world, candidates, name)


def _examine(world: World, goal: Goal, name) -> str | None:
    lamps = [lamp for lamp in world.of_type(_type(goal.toggle)) if lamp in world.inside]
    held = world.held
    if held is not None and world.type.get(held) == _type(goal.obj):
        if not lamps:
            return None
        lamp = lamps[0]
        if not world.here(world.inside[lamp]):
            return f"go to {name(world.inside[lamp])}"
        return None if world.has("istoggled", lamp) else f"use {name(lamp)}"
    if held is not None:
        return _put_down(world, held, name)
    return _fetch(world, [o for o in world.of_type(_type(goal.obj)) if o in world.inside], name)


def _fetch(world: World, candidates: list[str], name) -> str | None:
    if not candidates:
        return None
    # an object where the agent stands first, then the first in name order
    obj = next((o for o in candidates if world.here(world.inside[o])), candidates[0])
    source = world.inside[obj]
    if not world.here(source):
        return f"go to {name(source)}"
    if not world.is_open(source):
        return f"open {name(source)}"
    return f"take {name(obj)} from {name(source)}"


def _deliver(world: World, obj: str, target: str, name) -> str:
    if not world.here(target):
        return f"go to {name(target)}"
    if not world.is_open(target):
        return f"open {name(target)}"
    return f"move {name(obj)} to {name(target)}"


def _put_down(world: World, obj: str, name) -> str | None:
    """Put a non-target object into a receptacle that may hold it (here if possible)."""
    kind = world.type.get(obj)
    fits = sorted(r for r in world.at if (world.type.get(r), kind) in world.can_contain)
    if not fits:
        return None
    target = next((r for r in fits if world.here(r)), fits[0])
    return _deliver(world, obj, target, name)


def rubric(world: World, goal: Goal, won: bool) -> dict[str, float]:
    """Subgoal status in [0, 1]: have the object, change its state (where asked), finish."""
    obj = goal.obj.lower()
    held_target = world.held is not None and world.type.get(world.held) == _type(goal.obj)
    if goal.task == "examine":
        lamps = world.of_type(_type(goal.toggle))
        return {f"take the {obj}": float(held_target),
                f"turn on the {goal.toggle.lower()}": float(any(world.has("istoggled", lamp) for lamp in lamps)),
                f"look at the {obj} under the {goal.toggle.lower()}": float(won)}
    done = placed(world, goal)
    best = max((len(v) for v in done.values()), default=0)
    items = {f"take a {obj}": float(held_target or best > 0)}
    if goal.task in _CHANGE:
        state, verb = _CHANGE[goal.task][1], _CHANGE[goal.task][2]
        items[f"{verb} the {obj}"] = float(any(world.has(state, o) for o in world.of_type(_type(goal.obj))))
    if goal.task == "pick-two":
        items[f"put two {obj} in the {goal.recep.lower()}"] = 1.0 if won else min(best, 2) / 2
    else:
        items[f"put the {obj} in the {goal.recep.lower()}"] = float(won)
    return items
