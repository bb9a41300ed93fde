"""Words for NetHack actions: the language half of the NetHack family's interface.

Every action of an NLE action set gets a word: compass moves are ``north`` … ``northwest``,
running moves ``far north`` …, stairs ``up`` / ``down``, ``wait``, ``more`` (read the next
message), and every other command its NLE name in lower case with spaces (``pick up``, ``eat``,
``search``, ``kick``, ``escape``, ``inventory`` …; ``go north`` is accepted for ``north``). A
single character is a raw key, as a NetHack player types it (``k`` moves north, ``s``
searches, a letter answers an inventory prompt); it counts when the action set has that key.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum

_COMPASS = {"N": "north", "E": "east", "S": "south", "W": "west", "NE": "northeast", "SE": "southeast", "SW": "southwest", "NW": "northwest"}
_RENAMED = {"PICKUP": "pick up", "ESC": "escape", "MORE": "more", "UP": "up", "DOWN": "down", "WAIT": "wait"}


def action_word(action: IntEnum) -> str:
    """The word for one NLE action enum member."""
    kind, name = type(action).__name__, action.name
    if kind.startswith("Compass"):
        return f"far {_COMPASS[name]}" if "Longer" in kind else _COMPASS[name]
    return _RENAMED.get(name, name.lower().replace("_", " "))


class Vocabulary:
    """Words and raw keys of one action set, mapped to the indices NLE's ``step`` takes."""

    def __init__(self, actions: Sequence[IntEnum]) -> None:
        self.words: dict[str, int] = {}
        self.keys: dict[str, int] = {}
        for index, action in enumerate(actions):
            self.words.setdefault(action_word(action), index)
            if 0 <= int(action) < 128:
                self.keys.setdefault(chr(int(action)), index)

    def lookup(self, text: str) -> int | None:
        """The action index for ``text`` (a word, ``go <direction>`` or a raw key), or None."""
        if len(text) == 1:
            return self.keys.get(text)
        word = " ".join(text.lower().split())
        if word.startswith("go "):
            word = word[3:]
        return self.words.get(word)

    @property
    def listing(self) -> list[str]:
        """The words, in action-set order (what ``admissible_actions`` shows)."""
        return list(self.words)
