"""NetHack observations as text: message, map (a window around the player, or all of it),
status line and inventory. Pure functions of NLE's observation arrays."""

from __future__ import annotations

import numpy as np

from agentgym.deps import require

nethack = require("nle.nethack", extra="nethack", what="the NetHack environments")

HUNGER = ("Satiated", "", "Hungry", "Weak", "Fainting", "Fainted", "Starved")


def _text(array: np.ndarray) -> str:
    """A NUL-terminated byte array as text."""
    return array.tobytes().split(b"\x00", 1)[0].decode("latin-1")


def message(obs: dict[str, np.ndarray]) -> str:
    return _text(obs["message"]).strip()


def map_text(obs: dict[str, np.ndarray], radius: int | None) -> str:
    """The dungeon map: rows of characters, ``@`` is you. ``radius`` crops a window around
    the player (None: the whole map, empty rows and margins dropped)."""
    chars = obs["chars"]
    if radius is not None:
        x, y = int(obs["blstats"][nethack.NLE_BL_X]), int(obs["blstats"][nethack.NLE_BL_Y])
        chars = chars[max(0, y - radius) : y + radius + 1, max(0, x - 2 * radius) : x + 2 * radius + 1]
    rows = [row.tobytes().decode("latin-1").rstrip() for row in chars]
    while rows and not rows[0]:
        rows.pop(0)
    while rows and not rows[-1]:
        rows.pop()
    margin = min((len(r) - len(r.lstrip()) for r in rows if r), default=0)
    return "\n".join(r[margin:] for r in rows)


def status(obs: dict[str, np.ndarray]) -> str:
    b = obs["blstats"]
    hunger = HUNGER[int(b[nethack.NLE_BL_HUNGER])] if 0 <= int(b[nethack.NLE_BL_HUNGER]) < len(HUNGER) else ""
    parts = [
        f"HP {int(b[nethack.NLE_BL_HP])}/{int(b[nethack.NLE_BL_HPMAX])}",
        f"Depth {int(b[nethack.NLE_BL_DEPTH])}",
        f"Gold {int(b[nethack.NLE_BL_GOLD])}",
        f"AC {int(b[nethack.NLE_BL_AC])}",
        f"XL {int(b[nethack.NLE_BL_XP])}",
        f"Turn {int(b[nethack.NLE_BL_TIME])}",
        f"Score {int(b[nethack.NLE_BL_SCORE])}",
    ]
    return "  ".join(parts + ([hunger] if hunger else []))


def inventory(obs: dict[str, np.ndarray]) -> list[str]:
    letters = obs["inv_letters"]
    return [
        f"{chr(int(letter))}) {_text(obs['inv_strs'][i])}"
        for i, letter in enumerate(letters)
        if letter
    ]


def render(obs: dict[str, np.ndarray], *, radius: int | None, show_inventory: bool) -> str:
    """The whole observation as one text."""
    text = f"Message: {message(obs) or '(none)'}\nMap:\n{map_text(obs, radius)}\nStatus: {status(obs)}"
    if show_inventory:
        items = inventory(obs)
        text += "\nInventory: " + ("; ".join(items) if items else "(empty)")
    return text
