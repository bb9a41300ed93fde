"""What loading an ALFWorld game computes, kept beside a generated game in its cache entry.

Loading a ``game.tw-pddl`` document into TextWorld's PDDL engine does two slow things that
depend only on the document's three texts (domain, grammar, problem):

* it parses the grammar document into a ``GameLogic`` (a TatSu parse: ~110 ms on 2 cores);
* it runs Fast Downward's translator twice, PDDL to SAS, once plainly (the engine's state) and
  once optimised (the planner's): 0.25-1.2 s, growing with objects x receptacles.

:class:`Compiled` holds their results: the parsed logic (pickled) and the two SAS texts, and
also the first observation (the room and the task: a grammar derivation of 20-50 ms, that
depends on the same three texts and on the entities' display names). A generated game's cache
entry stores it as ``game.compiled`` (checksummed with the game, see :mod:`agentgym.cache`), and
:meth:`~environments.alfworld.engine.AlfredEngine.load` reuses it: the first reset of a cached
game in an env takes 18-50 ms instead of 0.3-1.3 s. What stays is cheap: Fast Downward's parse
of the problem (the translator's Python objects, ~3 ms), the SAS texts read into its search
library, the engine's facts and names.

The file is a pickled header (format, TextWorld version, SHA-256 of the three texts), then the
payload pickled and zlib-compressed (the SAS texts shrink 14x: a kitchen's 1.2 MB to 84 KB,
1.7 ms to decompress), unpickled only when the header matches the game and the installed
TextWorld (a pickled ``GameLogic`` is TextWorld's classes). Anything else (no file, another
version, a different game, a file that does not unpickle) gives None, and the game is loaded
the slow way. The cache is the user's own directory, written by agentgym; do not point
``AGENTGYM_CACHE`` at files others can write (unpickling runs code, as loading any pickle does).
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentgym.deps import require

textworld = require("textworld", extra="alfworld", what="the ALFWorld environments")

logger = logging.getLogger(__name__)

COMPILED_FILE = "game.compiled"
FORMAT = 1  # bump when what is stored changes meaning (e.g. how display names are numbered)
_LEVEL = 6  # zlib's default; level 1 compresses a kitchen in 3 ms instead of 9, into a 26% larger file


def source_digest(data: dict[str, Any]) -> str:
    """SHA-256 of what the compiled form depends on: the domain, the grammar and the problem."""
    digest = hashlib.sha256()
    for key in ("pddl_domain", "grammar", "pddl_problem"):
        digest.update(data[key].encode())
        digest.update(b"\0")
    return digest.hexdigest()


@dataclass
class Compiled:
    """A game's parsed logic and Fast Downward translations.

    Attributes:
        source: :func:`source_digest` of the game document they were computed from.
        logic: the pickled ``textworld.envs.pddl.logic.GameLogic`` of the domain and grammar,
            pickled before any state used it (each load unpickles a fresh copy).
        sas: the plain translation (``pddl2sas(domain, problem)``), the engine's state.
        sas_replan: the optimised translation (``optimize=True``), the planner's.
        intro: the first observation with ALFWorld's display names, once derived (None before).
    """

    source: str
    logic: bytes
    sas: str
    sas_replan: str
    intro: str | None = None

    def game_logic(self) -> Any:
        """A fresh ``GameLogic`` (loading a state adds the problem's types to it)."""
        return pickle.loads(self.logic)


def write_compiled(compiled: Compiled, directory: Path) -> Path:
    """Write ``game.compiled`` into ``directory`` and return its path."""
    path = directory / COMPILED_FILE
    with open(path, "wb") as f:
        pickle.dump({"format": FORMAT, "textworld": textworld.__version__, "source": compiled.source}, f)
        payload = {"logic": compiled.logic, "sas": compiled.sas, "sas_replan": compiled.sas_replan,
                   "intro": compiled.intro}
        f.write(zlib.compress(pickle.dumps(payload), _LEVEL))
    return path


def read_compiled(path: Path, data: dict[str, Any]) -> Compiled | None:
    """The compiled form stored at ``path`` for the game ``data``, or None (module docstring)."""
    if not path.is_file():
        return None
    source = source_digest(data)
    try:
        with open(path, "rb") as f:
            header = pickle.load(f)
            if header != {"format": FORMAT, "textworld": textworld.__version__, "source": source}:
                logger.info("%s is for another game or TextWorld version: loading the game from its PDDL", path)
                return None
            payload = pickle.loads(zlib.decompress(f.read()))
        return Compiled(source, payload["logic"], payload["sas"], payload["sas_replan"], payload["intro"])
    except Exception as exc:  # noqa: BLE001 - any unreadable file means: load the slow way
        logger.warning("%s does not load (%s): loading the game from its PDDL", path, exc)
        return None
