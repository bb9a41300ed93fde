"""Generate ALFWorld games (``game.tw-pddl``) from a task type and a seed, with no download.

The official ALFWorld games are built from ALFRED's recorded trajectories, which need a
download this machine cannot make. A game is, however, only three texts: the PDDL domain and
the grammar that ship in the alfworld wheel, and a PDDL problem. This module writes the problem:

1. pick a floor plan of the split (:mod:`environments.alfworld.scenes`) that has what the task
   type needs (a sink basin to clean, a microwave to heat, a fridge to cool, a lamp to examine by);
2. pick the target object type and the target receptacle type as ALFRED's tables allow
   (the receptacle may hold the object; it is not the tool the task uses);
3. give every receptacle type of the floor plan its instances, each at its own location, and
   scatter objects over the receptacles that may hold them: the target object (1-3 instances,
   2-3 for ``pick-two``, never already in a target receptacle) and up to 12 other types of the
   floor plan (1-2 instances each) as distractors;
4. write the goal as ALFWorld's PDDL goal formula and its text from ALFWorld's templates
   (``alfworld.gen.goal_library``), e.g. "put a clean apple in fridge";
5. solve the game with the Fast Downward planner, play the plan in TextWorld's PDDL engine and
   keep the game only if the plan wins (else draw again from the same random stream); the plan
   is stored as the game's walkthrough.

Identifiers follow ALFRED's mangling (``Apple_bar_01``, ``Sink_bar_01_bar_SinkBasin``), so the
official ``AlfredDemangler`` names them as ALFWorld does ("apple 1", "sinkbasin 1"): the
games also play in ALFWorld's own ``AlfredTWEnv``.
Everything is drawn from one ``numpy`` Generator seeded by the game seed: same inputs, same game.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from agentgym.deps import require
from environments.alfworld.engine import AlfredEngine, display_names
from environments.alfworld.scenes import Scene, affordances, can_hold, constants, load_scenes

GENERATOR_VERSION = 1
GAME_FILE = "game.tw-pddl"

# agentgym's id -> ALFWorld's task type (the names of its goal library and traj_data.json).
TASK_TYPES = {
    "pick": "pick_and_place_simple",
    "clean": "pick_clean_then_place_in_recep",
    "heat": "pick_heat_then_place_in_recep",
    "cool": "pick_cool_then_place_in_recep",
    "examine": "look_at_obj_in_light",
    "pick-two": "pick_two_obj_and_place",
}
# The receptacle each state-change task uses as a tool, and the affordance it needs.
TOOLS = {"clean": ("SinkBasin", "Cleanable"), "heat": ("Microwave", "Heatable"), "cool": ("Fridge", "Coolable")}
# Where a lamp stands (ALFRED's receptacle table lists none for lamps): furniture, in this order of preference.
LAMP_STANDS = ("Desk", "SideTable", "Dresser", "Shelf", "CoffeeTable", "DiningTable", "TVStand", "Sofa", "ArmChair", "Bed")
MAX_INSTANCES = 3  # ALFRED's MAX_NUM_OF_OBJ_INSTANCES, for the target object
# Distractors: up to this many other object types of the floor plan, 1-2 instances each. Loading
# a game (Fast Downward's translation) grows with objects x receptacles: a kitchen with every
# type of its floor plan (~56 objects) takes ~2.7 s to load, with 12 distractor types ~1 s.
MAX_DISTRACTOR_TYPES = 12
MAX_DISTRACTOR_INSTANCES = 2
# The four floor plans (one per room) no train or valid game uses: the test split's "unseen" rooms.
HELD_OUT_FLOOR_PLANS = frozenset({10, 219, 308, 424})
_ATTEMPTS = 20


@dataclass
class Game:
    """A generated game: what goes into ``game.tw-pddl`` and what the env reports about it."""

    task_type: str
    floor_plan: int
    goal: str
    pddl_problem: str
    pddl_params: dict[str, Any]
    planning_problem: str = ""  # the problem without distractors (not saved)
    names: dict[str, str] = field(default_factory=dict)  # entity id -> display name in the full game (not saved)
    walkthrough: list[str] = field(default_factory=list)

    def to_json(self, domain: str, grammar: str, problem: str | None = None) -> dict[str, Any]:
        """The ``game.tw-pddl`` document (ALFWorld's format, plus agentgym's own keys)."""
        return {
            "pddl_domain": domain,
            "grammar": grammar.replace("UNKNOWN GOAL", self.goal),
            "pddl_problem": problem or self.pddl_problem,
            "solvable": True,
            "walkthrough": self.walkthrough,
            "task_type": TASK_TYPES[self.task_type],
            "pddl_params": self.pddl_params,
            "agentgym": {"task": self.task_type, "floor_plan": self.floor_plan, "goal": self.goal,
                         "generator_version": GENERATOR_VERSION},
        }


def domain_and_grammar() -> tuple[str, str]:
    """The PDDL domain and the text grammar shipped in the alfworld wheel."""
    alfworld = require("alfworld", extra="alfworld", what="the ALFWorld environments")
    data = Path(alfworld.__file__).parent / "data"
    return (data / "alfred.pddl").read_text(), (data / "alfred.twl2").read_text()


def scenes_for(split: str) -> list[Scene]:
    """The floor plans a split draws from: the held-out four for ``test``, the others otherwise."""
    held_out = split == "test"
    return [s for s in load_scenes() if (s.floor_plan in HELD_OUT_FLOOR_PLANS) == held_out]


def generate(task: str, seed: int, split: str = "train", engine: AlfredEngine | None = None) -> Game:
    """Generate a solvable game of type ``task`` (a key of :data:`TASK_TYPES`) from ``seed``.

    ``engine`` is the engine the planner's plan is checked in (each new one loads its own copy
    of Fast Downward's library: pass the env's).

    Raises:
        ValueError: unknown task type or split.
        RuntimeError: no solvable game after several draws (not seen in practice).
    """
    if task not in TASK_TYPES:
        raise ValueError(f"unknown ALFWorld task {task!r}; choose from {', '.join(TASK_TYPES)}")
    if split not in ("train", "valid", "test"):
        raise ValueError(f"split must be 'train', 'valid' or 'test', got {split!r}")
    rng = np.random.default_rng(seed)
    domain, grammar = domain_and_grammar()
    engine = engine or AlfredEngine()
    for _ in range(_ATTEMPTS):
        game = _draw(task, rng, scenes_for(split))
        plan = solve(game, domain, grammar, engine)
        if plan:
            game.walkthrough = plan
            return game
    raise RuntimeError(f"no solvable {task} game from seed {seed} after {_ATTEMPTS} draws")


def solve(game: Game, domain: str, grammar: str, engine: AlfredEngine) -> list[str] | None:
    """The planner's plan for ``game`` (as commands) if playing it in the full game wins, else None.

    Fast Downward plans on the game without its distractors (they only widen its search: a
    kitchen took up to minutes with them, seconds without), its entities named as in the full
    game; the plan is then played in the full game, so the check is exact.
    """
    engine.load(game.to_json(domain, grammar, game.planning_problem), names=game.names)
    engine.reset()
    plan = engine.plan()
    engine.load(game.to_json(domain, grammar))
    state = engine.reset()
    for command in plan:
        state, _, _ = engine.step(command)
    return plan if plan and state["won"] else None


def _draw(task: str, rng: np.random.Generator, scenes: list[Scene]) -> Game:
    """One candidate game (not yet checked for solvability)."""
    candidates = [(s, target) for s in scenes for target in _targets(task, s)]
    if not candidates:  # pragma: no cover - every split has kitchens and lit rooms
        raise RuntimeError(f"no floor plan supports task {task!r}")
    scene, (obj, recep, toggle) = candidates[int(rng.integers(len(candidates)))]
    layout = _layout(task, scene, obj, recep, toggle, rng)
    params = {"object_target": obj, "parent_target": recep or "", "toggle_target": toggle or "",
              "mrecep_target": "", "object_sliced": False}
    templates = require("alfworld.gen.goal_library", extra="alfworld", what="the ALFWorld environments").gdict
    entry = templates[TASK_TYPES[task]]
    template = entry["templates"][int(rng.integers(len(entry["templates"])))]
    goal = template.format(obj=obj.lower(), recep=(recep or "").lower(), toggle=(toggle or "").lower(), mrecep="")
    goal_pddl = entry["pddl"].format(obj=obj, recep=recep, toggle=toggle, mrecep="").replace("#", "-")
    name = f"agentgym_{task.replace('-', '_')}_{scene.floor_plan}"
    relevant = _relevant(layout, {obj, toggle} - {None}, {recep, TOOLS.get(task, (None,))[0]} - {None})
    numbered = [*layout.objects, *layout.receptacles, *layout.locations.values(), "loc_bar_00"]
    return Game(task, scene.floor_plan, goal, _problem(name, layout, goal_pddl), params,
                planning_problem=_problem(name, relevant, goal_pddl),
                names=display_names([entity.lower() for entity in numbered]))  # as the engine names the full game


def _targets(task: str, scene: Scene) -> list[tuple[str, str | None, str | None]]:
    """Every (object, receptacle, lamp) a task of this type can ask for in ``scene``."""
    if task == "examine":
        if not scene.toggles or not any(s in scene.receptacles for s in LAMP_STANDS):
            return []
        return [(obj, None, lamp) for lamp in scene.toggles for obj in scene.objects]
    tool, needs = TOOLS.get(task, (None, None))
    if tool is not None and tool not in scene.receptacles:
        return []
    targets = []
    for obj in scene.objects:
        if needs is not None and obj not in affordances()[needs]:
            continue
        holders = scene.holders(obj)
        for recep in holders:
            # the receptacle is not the task's tool, and the object can start somewhere else
            if recep != tool and any(h != recep for h in holders):
                targets.append((obj, recep, None))
    return targets


@dataclass
class _Layout:
    receptacles: dict[str, str]  # id -> type
    objects: dict[str, str]  # id -> type
    placed_in: dict[str, str]  # object id -> receptacle id
    locations: dict[str, str]  # receptacle id -> location id


def _layout(task: str, scene: Scene, target: str, recep: str | None, lamp: str | None,
            rng: np.random.Generator) -> _Layout:
    receptacles: dict[str, str] = {}
    for rtype, count in scene.receptacles.items():
        for i in range(1, count + 1):
            receptacles[_receptacle_id(rtype, i)] = rtype
    by_type: dict[str, list[str]] = {}
    for rid, rtype in receptacles.items():
        by_type.setdefault(rtype, []).append(rid)
    objects: dict[str, str] = {}
    placed_in: dict[str, str] = {}
    others = [o for o in scene.objects if o != target]
    chosen = rng.choice(len(others), size=min(MAX_DISTRACTOR_TYPES, len(others)), replace=False)
    for otype in [target, *(others[int(i)] for i in sorted(chosen))]:
        if otype == target:
            count = int(rng.integers(2 if task == "pick-two" else 1, MAX_INSTANCES + 1))
        else:
            count = int(rng.integers(1, MAX_DISTRACTOR_INSTANCES + 1))
        holders = [h for h in scene.holders(otype) if not (otype == target and h == recep)]
        for i in range(1, count + 1):
            oid = f"{otype}_bar_{i:02d}"
            htype = holders[int(rng.integers(len(holders)))]
            choices = by_type[htype]
            objects[oid] = otype
            placed_in[oid] = choices[int(rng.integers(len(choices)))]
    if lamp is not None:
        stand = next(s for s in LAMP_STANDS if s in scene.receptacles)
        choices = by_type[stand]
        objects[f"{lamp}_bar_01"] = lamp
        placed_in[f"{lamp}_bar_01"] = choices[int(rng.integers(len(choices)))]
    order = rng.permutation(len(receptacles))  # locations are numbered in a drawn order
    locations = {rid: f"loc_bar_{int(k) + 1:02d}" for rid, k in zip(receptacles, order)}
    return _Layout(receptacles, objects, placed_in, locations)


def _relevant(layout: _Layout, object_types: set[str], receptacle_types: set[str]) -> _Layout:
    """The layout reduced to the task's objects, the receptacles holding them and the target and tool ones."""
    objects = {o: t for o, t in layout.objects.items() if t in object_types}
    holding = {layout.placed_in[o] for o in objects}
    receptacles = {r: t for r, t in layout.receptacles.items() if t in receptacle_types or r in holding}
    return _Layout(receptacles, objects, {o: layout.placed_in[o] for o in objects},
                   {r: layout.locations[r] for r in receptacles})


def _receptacle_id(rtype: str, index: int) -> str:
    if rtype.endswith("Basin"):  # ALFRED: Sink|...|SinkBasin, named "sinkbasin"
        return f"{rtype[:-len('Basin')]}_bar_{index:02d}_bar_{rtype}"
    return f"{rtype}_bar_{index:02d}"


def _problem(name: str, layout: _Layout, goal_pddl: str) -> str:
    """The PDDL problem text (the goal formula from ALFWorld's library closes the ``define``)."""
    rtypes = sorted(set(layout.receptacles.values()))
    otypes = sorted(set(layout.objects.values()))
    declared = ["agent1 - agent", "loc_bar_00 - location"]
    declared += [f"{t}Type - otype" for t in otypes] + [f"{t}Type - rtype" for t in rtypes]
    declared += [f"{o} - object" for o in layout.objects] + [f"{r} - receptacle" for r in layout.receptacles]
    declared += [f"{loc} - location" for loc in sorted(layout.locations.values())]
    facts = ["(atLocation agent1 loc_bar_00)"]
    openable = set(constants().OPENABLE_CLASS_LIST)
    for rid, rtype in layout.receptacles.items():
        facts += [f"(receptacleType {rid} {rtype}Type)", f"(receptacleAtLocation {rid} {layout.locations[rid]})"]
        if rtype in openable:
            facts.append(f"(openable {rid})")
    movable = set(constants().MOVABLE_RECEPTACLES)
    properties = {"Cleanable": "cleanable", "Heatable": "heatable", "Coolable": "coolable",
                  "Toggleable": "toggleable", "Sliceable": "sliceable"}
    for oid, otype in layout.objects.items():
        where = layout.placed_in[oid]
        facts += [f"(objectType {oid} {otype}Type)", f"(inReceptacle {oid} {where})",
                  f"(objectAtLocation {oid} {layout.locations[where]})"]
        if otype not in affordances()["Toggleable"]:
            facts.append(f"(pickupable {oid})")
        if otype in movable:
            facts.append(f"(isReceptacleObject {oid})")
        facts += [f"({predicate} {oid})" for key, predicate in properties.items() if otype in affordances()[key]]
    holds = can_hold()
    facts += [f"(canContain {r}Type {o}Type)" for r in rtypes for o in otypes if o in holds[r]]
    body = "\n".join(declared)
    init = "\n".join(facts)
    return f"(define (problem {name})\n(:domain alfred)\n(:objects\n{body}\n)\n(:init\n{init}\n)\n{goal_pddl.strip()}\n"


def write_game(game: Game, directory: Path) -> Path:
    """Write ``game.tw-pddl`` into ``directory`` and return its path."""
    domain, grammar = domain_and_grammar()
    path = directory / GAME_FILE
    path.write_text(json.dumps(game.to_json(domain, grammar)))
    return path
