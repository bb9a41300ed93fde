"""Story files from elsewhere: what ``textworld/game-v0`` can say about a game TextWorld did not describe.

A game TextWorld generated comes with ``game.json`` beside its ``game.z8`` (its quests, its
objective, the winning policy): TextWorld then reports everything. A story file brought from
elsewhere — a Jericho game (``zork1.z5``), any Inform game compiled for the Z-machine, a
TextWorld game copied without its ``game.json`` — runs in Jericho's Z-machine interpreter alone,
which knows:

* for the games Jericho fully supports (it recognises them by their file's hash): the score,
  the maximum score, won / lost and the valid actions (Jericho's own, from its action templates);
* for any other game: nothing but the text.

So :func:`bare_info` reports the keys the engine filled and leaves the others out: no ``goal``
(the first observation is the game's own opening text), ``expert_action`` None (no
walkthrough), ``admissible_actions`` None where the engine cannot list them (``action_valid`` is
then True: nothing tells an understood command from another). An episode of such a game ends
when Jericho says so, or when the story asks whether to RESTART, RESTORE or QUIT — the question
Inform and Infocom games print when the game is over, after which every command is answered by
that question again.

Glulx games (``.ulx``) cannot be played: TextWorld 1.7 dropped its Glulx interpreter.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from agentgym.deps import require
from agentgym.errors import AgentGymError

textworld = require("textworld", extra="textworld", what="the TextWorld environments")

Z_MACHINE = re.compile(r"\.z[1-8]$")
# The end-of-game question of Inform 6 ("... RESTART, RESTORE a saved game, give the FULL score
# for that game or QUIT?"), Inform 7 ("... RESTART, RESTORE a saved game, QUIT or UNDO the last
# command?") and Infocom ("(Type RESTART, RESTORE, or QUIT):").
_GAME_OVER = re.compile(r"\bRESTART\b.{0,80}\bRESTORE\b.{0,120}\bQUIT\b", re.S)


class GameFileError(AgentGymError, ValueError):
    """``textworld/game-v0`` was given no playable story file."""


def story_files(path: str | None) -> list[Path]:
    """The Z-machine story files at ``path`` (a file, or a folder of them), sorted.

    Raises:
        GameFileError: no path, nothing playable there, or Glulx games only.
    """
    if not path:
        raise GameFileError("textworld/game-v0 needs path=<a .z1-.z8 story file, or a folder of them>")
    target = Path(path)
    if not target.exists():
        raise GameFileError(f"no game file or folder at {path}")
    candidates = sorted(p for p in (target.iterdir() if target.is_dir() else [target]) if p.is_file())
    files = [p for p in candidates if Z_MACHINE.search(p.suffix)]
    if not files:
        if any(p.suffix == ".ulx" for p in candidates):
            raise GameFileError(f"{path}: Glulx games (.ulx) cannot be played, TextWorld 1.7 dropped its Glulx "
                                "interpreter; compile the game for the Z-machine (.z8) instead")
        raise GameFileError(f"no Z-machine story file (.z1-.z8) at {path}")
    return files


def is_described(gamefile: Path) -> bool:
    """Whether TextWorld describes the game: its ``<name>.json`` lies beside its ``<name>.z8``."""
    return bool(textworld.envs.TWInform7.compatible(str(gamefile)))


def bare_infos(describe_room: bool) -> Any:
    """What to ask Jericho for: everything it may know (it fills only what it can)."""
    return textworld.EnvInfos(feedback=True, description=describe_room, admissible_commands=True,
                              score=True, max_score=True, won=True, lost=True)


def game_over(feedback: str) -> bool:
    """The story printed its end-of-game question (see the module docstring)."""
    return bool(_GAME_OVER.search(feedback[-400:]))


def bare_info(state: Any, task_id: str, action_valid: bool) -> dict[str, Any]:
    """The standard info keys the engine could fill for an undescribed game (module docstring)."""
    admissible = state.get("admissible_commands")
    info: dict[str, Any] = {
        "task_id": task_id,
        "admissible_actions": list(admissible) if admissible is not None else None,
        "action_valid": action_valid,
        "expert_action": None,
    }
    for key in ("score", "max_score"):
        if state.get(key) is not None:
            info[key] = float(state[key])
    for key in ("won", "lost"):
        if state.get(key) is not None:
            info[key] = bool(state[key])
    return info
