"""The world of the built-in ``toy/keys`` task: rooms on a grid, coloured locked doors, keys.

Pure Python and deterministic: :func:`generate_world` builds a world from task parameters and a
seed; :class:`KeysGame` plays it. The task is always the same sentence ("take the gold coin"),
while the layout, the locks and the key places come from the seed.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field

import numpy as np

ROOM_NAMES = ("hall", "kitchen", "library", "cellar", "garden", "attic", "study", "pantry", "gallery", "workshop")
COLOURS = ("red", "blue", "green", "yellow")
DISTRACTORS = ("old boot", "tin cup", "candle", "rope", "feather")
GOAL_ITEM = "gold coin"
DIRECTIONS = {"north": (0, 1), "south": (0, -1), "east": (1, 0), "west": (-1, 0)}
OPPOSITE = {"north": "south", "south": "north", "east": "west", "west": "east"}
_ALIASES = {"n": "go north", "s": "go south", "e": "go east", "w": "go west", "i": "inventory", "l": "look"}
_ARTICLES = re.compile(r"\b(the|a|an)\b")


@dataclass
class World:
    """A generated world. ``exits[room][direction] = other_room``; ``locks[(room, dir)] = colour``."""

    rooms: list[str]
    exits: dict[str, dict[str, str]]
    locks: dict[tuple[str, str], str]
    items: dict[str, list[str]]
    start: str
    goal_room: str


def generate_world(num_rooms: int, num_locks: int, num_distractors: int, seed: int) -> World:
    """A solvable world: every key lies on the near side of its door.

    Rooms grow as a random tree on a grid from the start room; the gold coin lies in the room
    farthest from the start; ``num_locks`` doors on the way there (at most the path length)
    are locked, each opened by the key of its colour.
    """
    rng = np.random.default_rng(seed)
    names = [str(n) for n in rng.permutation(ROOM_NAMES)[:num_rooms]]
    position = {names[0]: (0, 0)}
    occupied = {(0, 0): names[0]}
    exits: dict[str, dict[str, str]] = {names[0]: {}}
    for name in names[1:]:
        frontier = [
            (room, d)
            for room in position
            for d, (dx, dy) in DIRECTIONS.items()
            if (position[room][0] + dx, position[room][1] + dy) not in occupied
        ]
        room, d = frontier[int(rng.integers(len(frontier)))]
        x, y = position[room][0] + DIRECTIONS[d][0], position[room][1] + DIRECTIONS[d][1]
        position[name], occupied[(x, y)] = (x, y), name
        exits[name] = {OPPOSITE[d]: room}
        exits[room][d] = name

    parents = _bfs_parents(exits, names[0])
    goal_room = max(names, key=lambda r: (_depth(parents, r), -names.index(r)))
    path = _path_edges(parents, goal_room)  # (room, direction) from the start outwards
    lock_steps = sorted(int(i) for i in rng.choice(len(path), size=min(num_locks, len(path)), replace=False))
    locks: dict[tuple[str, str], str] = {}
    items: dict[str, list[str]] = {name: [] for name in names}
    for colour, step in zip(COLOURS, lock_steps):
        room, d = path[step]
        # The key lies anywhere reachable before this door, with the earlier doors unlocked.
        reachable = sorted(_reachable(exits, names[0], locks | {(room, d): colour}), key=names.index)
        items[reachable[int(rng.integers(len(reachable)))]].append(f"{colour} key")
        locks[(room, d)] = colour
        locks[(exits[room][d], OPPOSITE[d])] = colour
    items[goal_room].append(GOAL_ITEM)
    for thing in rng.permutation(DISTRACTORS)[:num_distractors]:
        items[names[int(rng.integers(num_rooms))]].append(str(thing))
    return World(names, exits, locks, items, names[0], goal_room)


def _bfs_parents(exits: dict[str, dict[str, str]], start: str) -> dict[str, tuple[str, str] | None]:
    parents: dict[str, tuple[str, str] | None] = {start: None}
    queue = deque([start])
    while queue:
        room = queue.popleft()
        for d, other in sorted(exits[room].items()):
            if other not in parents:
                parents[other] = (room, d)
                queue.append(other)
    return parents


def _depth(parents: dict[str, tuple[str, str] | None], room: str) -> int:
    depth = 0
    while parents[room] is not None:
        room = parents[room][0]
        depth += 1
    return depth


def _path_edges(parents: dict[str, tuple[str, str] | None], room: str) -> list[tuple[str, str]]:
    edges = []
    while parents[room] is not None:
        edges.append(parents[room])
        room = parents[room][0]
    return edges[::-1]


def _reachable(exits: dict[str, dict[str, str]], start: str, locked: dict[tuple[str, str], str]) -> set[str]:
    seen, queue = {start}, deque([start])
    while queue:
        room = queue.popleft()
        for d, other in exits[room].items():
            if (room, d) not in locked and other not in seen:
                seen.add(other)
                queue.append(other)
    return seen


@dataclass
class KeysGame:
    """The state of one play-through of a :class:`World`, and its rules."""

    world: World
    room: str = ""
    inventory: list[str] = field(default_factory=list)
    unlocked: set[str] = field(default_factory=set)
    items: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.room = self.room or self.world.start
        self.items = {room: list(things) for room, things in self.world.items.items()}

    @property
    def won(self) -> bool:
        return GOAL_ITEM in self.inventory

    def rubric(self) -> dict[str, float]:
        """One criterion per key to take and door to unlock, and the coin; 1.0 once met."""
        colours = sorted(set(self.world.locks.values()), key=COLOURS.index)
        rubric = {}
        for colour in colours:
            rubric[f"take the {colour} key"] = float(f"{colour} key" in self.inventory)
            rubric[f"unlock the {colour} door"] = float(colour in self.unlocked)
        rubric[f"take the {GOAL_ITEM}"] = float(self.won)
        return rubric

    def describe(self) -> str:
        """What the player sees in the current room."""
        things = self.items[self.room]
        seen = f" You see {_listing(things)}." if things else " The room is empty."
        exits = []
        for d in sorted(self.world.exits[self.room]):
            colour = self.world.locks.get((self.room, d))
            if colour is None:
                exits.append(d)
            else:
                state = "open" if colour in self.unlocked else "locked"
                exits.append(f"{d} (a {colour} door, {state})")
        return f"You are in the {self.room}.{seen} Exits: {', '.join(exits)}."

    def admissible_actions(self) -> list[str]:
        """Every action that does something here, sorted."""
        actions = ["inventory", "look"]
        actions += [f"go {d}" for d in self.world.exits[self.room] if self._passable(d)]
        actions += [f"take {thing}" for thing in self.items[self.room]]
        for d, colour in self._doors_here():
            if colour not in self.unlocked and f"{colour} key" in self.inventory:
                actions.append(f"unlock {colour} door")
        return sorted(set(actions))

    def play(self, command: str) -> tuple[str, bool]:
        """Apply ``command``. Returns the feedback and whether the action was valid and executed."""
        words = _ARTICLES.sub(" ", command.lower()).split()
        text = " ".join(words)
        text = _ALIASES.get(text, text)
        if text in DIRECTIONS:
            text = f"go {text}"
        verb, _, rest = text.partition(" ")
        if text == "look":
            return self.describe(), True
        if text == "inventory":
            return (f"You carry {_listing(self.inventory)}." if self.inventory else "You carry nothing."), True
        if verb == "go" and rest in DIRECTIONS:
            return self._go(rest)
        if verb in ("take", "get") and rest:
            return self._take(rest)
        if verb in ("unlock", "open") and rest:
            return self._unlock(rest)
        return f"I don't understand {command.strip()[:80]!r}. Try: {', '.join(self.admissible_actions())}.", False

    def _passable(self, d: str) -> bool:
        colour = self.world.locks.get((self.room, d))
        return colour is None or colour in self.unlocked

    def _doors_here(self) -> list[tuple[str, str]]:
        return sorted((d, c) for (room, d), c in self.world.locks.items() if room == self.room)

    def _go(self, d: str) -> tuple[str, bool]:
        if d not in self.world.exits[self.room]:
            return f"You can't go {d} from the {self.room}.", False
        if not self._passable(d):
            return f"The {self.world.locks[(self.room, d)]} door is locked.", False
        self.room = self.world.exits[self.room][d]
        return self.describe(), True

    def _take(self, thing: str) -> tuple[str, bool]:
        if thing not in self.items[self.room]:
            return f"There is no {thing} here.", False
        self.items[self.room].remove(thing)
        self.inventory.append(thing)
        if thing == GOAL_ITEM:
            return f"You take the {GOAL_ITEM}. You have won!", True
        return f"You take the {thing}.", True

    def _unlock(self, target: str) -> tuple[str, bool]:
        colour = target.split()[0]
        if not target.startswith(f"{colour} door") or colour not in COLOURS:
            return "Unlock what? Say 'unlock <colour> door'.", False
        if colour not in [c for _, c in self._doors_here()]:
            return f"There is no {colour} door here.", False
        if colour in self.unlocked:
            return f"The {colour} door is already open.", False
        if f"{colour} key" not in self.inventory:
            return f"You need the {colour} key.", False
        self.unlocked.add(colour)
        return f"You unlock the {colour} door.", True

    def expert_plan(self) -> list[str]:
        """A shortest action sequence from here to the coin (breadth-first over game states)."""
        start = (self.room, frozenset(self.inventory), frozenset(self.unlocked), tuple(sorted(_flatten(self.items))))
        parents: dict[tuple, tuple[tuple, str] | None] = {start: None}
        queue = deque([start])
        while queue:
            state = queue.popleft()
            game = self._from_state(state)
            if game.won:
                plan = []
                while parents[state] is not None:
                    state, action = parents[state]
                    plan.append(action)
                return plan[::-1]
            for action in game.admissible_actions():
                if action in ("look", "inventory") or (action.startswith("take ") and action[5:] in DISTRACTORS):
                    continue  # changes nothing that matters for reaching the coin
                nxt = game._from_state(state)
                nxt.play(action)
                key = (nxt.room, frozenset(nxt.inventory), frozenset(nxt.unlocked), tuple(sorted(_flatten(nxt.items))))
                if key not in parents:
                    parents[key] = (state, action)
                    queue.append(key)
        return []

    def _from_state(self, state: tuple) -> KeysGame:
        room, inventory, unlocked, placed = state
        game = KeysGame(self.world, room=room, inventory=sorted(inventory), unlocked=set(unlocked))
        game.items = {r: [] for r in self.world.rooms}
        for r, thing in placed:
            game.items[r].append(thing)
        return game


def _flatten(items: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(room, thing) for room, things in items.items() for thing in things]


def _listing(things: list[str]) -> str:
    named = [f"a {t}" for t in things]
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + f" and {named[-1]}"
