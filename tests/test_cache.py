"""The generated-files cache: build slots bound how many builds run at once across processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from agentgym.cache import build_slots

BUILD = """
import json, sys, time
from agentgym.cache import cached_build
def build(directory):
    began = time.time()
    time.sleep(2.0)
    (directory / "window.json").write_text(json.dumps([began, time.time()]))
path = cached_build("slots", sys.argv[1], build, lambda d: (d / "window.json").exists())
print((path / "window.json").read_text())
"""


@pytest.mark.parametrize("slots", [1, 2])
def test_builds_in_several_processes_share_the_build_slots(tmp_path, slots):
    env = {**os.environ, "AGENTGYM_CACHE": str(tmp_path), "AGENTGYM_BUILD_SLOTS": str(slots)}
    workers = [subprocess.Popen([sys.executable, "-c", BUILD, f"entry-{i}"], env=env, stdout=subprocess.PIPE, text=True)
               for i in range(3)]
    windows = sorted(json.loads(w.communicate(timeout=60)[0]) for w in workers)
    assert all(w.returncode == 0 for w in workers)
    overlaps = sum(a[1] > b[0] for a, b in zip(windows, windows[1:]))
    # one slot: the three builds ran one after the other; two: some ran at the same time
    assert (overlaps == 0) if slots == 1 else (overlaps >= 1)


def test_a_bad_slot_count_is_refused(monkeypatch):
    monkeypatch.setenv("AGENTGYM_BUILD_SLOTS", "zero")
    with pytest.raises(ValueError, match="AGENTGYM_BUILD_SLOTS"):
        build_slots()
    monkeypatch.setenv("AGENTGYM_BUILD_SLOTS", "3")
    assert build_slots() == 3
