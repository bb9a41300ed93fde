"""What every bench shares: its error, order statistics of timings, the machine it ran on, the JSON file."""

from __future__ import annotations

import datetime
import json
import math
import os
import platform
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agentgym.errors import AgentGymError
from agentgym.version import __version__


class BenchError(AgentGymError, RuntimeError):
    """A measurement cannot be taken here (no Docker engine, an env that fails while measured, …)."""


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) of ``values``, linearly interpolated between order statistics.

    The same definition as ``numpy.percentile``'s default (Hyndman & Fan 1996, definition 7):
    position ``(n - 1) * q / 100`` in the sorted values.
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"q must be in [0, 100], got {q}")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def machine_info() -> dict[str, Any]:
    """Facts that make a figure comparable: CPUs (all, and those this process may use), Python,
    platform, agentgym's version and the date."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count()
    return {
        "cpus": os.cpu_count(),
        "cpus_usable": usable,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "agentgym": __version__,
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
    }


def check_out(path: str | os.PathLike[str], bench: str) -> Path:
    """``path`` as a JSON file to write, refused (before any measuring) if it is a directory."""
    target = Path(path)
    if target.is_dir():
        raise BenchError(f"--out {target} is a directory; name a file, e.g. {target / (bench + '.json')}")
    return target


def write_json(path: str | os.PathLike[str], bench: str, figures: dict[str, Any]) -> Path:
    """Write ``{"bench": bench, "machine": machine_info(), **figures}`` to ``path`` (folders created)."""
    target = check_out(path, bench)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({"bench": bench, "machine": machine_info(), **figures}, indent=2) + "\n")
    return target
