"""Shared helpers of the benchmarks: repeated timing, machine facts, JSON results."""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def parse_args(description: str | None) -> argparse.Namespace:
    """The options every benchmark takes: ``--quick`` (small sizes) and ``--out`` (JSON path)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="small sizes (a few seconds)")
    parser.add_argument("--out", default=None, help="JSON result path (default: benchmarks/results/<name>.json)")
    return parser.parse_args()


def median_seconds(fn: Callable[[], Any], repeats: int) -> float:
    """Median wall time of ``fn()`` over ``repeats`` runs, after one warm-up run."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def machine() -> dict[str, Any]:
    import agentgym

    return {"cpus": os.cpu_count(), "python": platform.python_version(), "agentgym": agentgym.__version__,
            "date": time.strftime("%Y-%m-%d")}


def save(name: str, result: dict[str, Any], out: str | None) -> Path:
    path = Path(out) if out else RESULTS / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"name": name, "machine": machine(), **result}, indent=2) + "\n")
    return path
