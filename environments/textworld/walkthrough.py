"""Setting a generated game's walkthrough without compiling it.

TextWorld's challenges (coin collector, simple, cooking) end generation with
``GameMaker.set_walkthrough(commands)``, which compiles the game with Inform7 into a temporary
file and plays the commands in it, only to learn which logic actions the commands are and after
which of them each winning event fires. The game is then compiled once more for real. The
same answer comes from TextWorld's own game logic, with no compiler: step a
:class:`~textworld.generator.game.GameProgression` through the action whose command text
(:meth:`~textworld.generator.inform7.Inform7Game.gen_commands_from_actions`, the text the
compiled game understands) is the walkthrough's command.

:func:`compile_free_walkthroughs` swaps that in while a game is generated. The games are the
same — their serialised form is identical, checked in the tests — and a level-5 coin collector
generates in 1.2 s instead of 2.3 s on a 2-core machine (one Inform7 compile instead of two).
A command that names no action, or several (cooking's ``prepare meal`` names one action per
order of the ingredients, and only the compiled game knows which it runs), falls back to
TextWorld's own compile-and-play: cooking games still compile twice.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from agentgym.deps import require

textworld = require("textworld", extra="textworld", what="the TextWorld environments")
game_module = require("textworld.generator.game", extra="textworld", what="the TextWorld environments")
inform7 = require("textworld.generator.inform7", extra="textworld", what="the TextWorld environments")


def logic_walkthrough(maker: Any, commands: Sequence[str]) -> bool:
    """Set each winning event's ``actions`` and ``commands`` of ``maker``'s quests from
    ``commands`` played in the game logic, as ``GameMaker.set_walkthrough`` does by playing them
    in the compiled game. Returns False, changing nothing, when a command matches no action, or
    several, available at its point of the walkthrough."""
    game = maker.build()
    names = inform7.Inform7Game(game)
    progression = game_module.GameProgression(game)
    events = {event: event.copy() for quest in maker.quests for event in quest.win_events}
    watched = [ep for quest in progression.quest_progressions for ep in quest.win_events]
    played: list[Any] = []
    for i, command in enumerate(commands):
        if progression.done:
            raise ValueError("Game has ended before finishing playing all commands.")
        valid = progression.valid_actions
        matches = [action for action, text in zip(valid, names.gen_commands_from_actions(valid)) if text == command]
        if len(matches) != 1:
            return False
        before = [ep.triggered for ep in watched]
        progression.update(matches[0])
        played.append(matches[0])
        for was_triggered, ep in zip(before, watched):
            if not was_triggered and ep.triggered:
                events[ep.event].actions = list(played)
                events[ep.event].commands = list(commands[:i + 1])
    for event, found in events.items():
        event.actions, event.commands = found.actions, found.commands
    return True


@contextlib.contextmanager
def compile_free_walkthroughs() -> Iterator[None]:
    """Within the block, ``GameMaker.set_walkthrough`` uses :func:`logic_walkthrough` (falling
    back to TextWorld's compile-and-play when it cannot). Game generation runs one game at a time
    in its process (under the cache's lock), so the swap is not seen by other work."""
    maker_class = textworld.GameMaker
    original = maker_class.set_walkthrough

    def set_walkthrough(self: Any, commands: list[str]) -> None:
        if not logic_walkthrough(self, commands):
            original(self, commands)

    maker_class.set_walkthrough = set_walkthrough
    try:
        yield
    finally:
        maker_class.set_walkthrough = original
