"""The method-comparison example runs end to end (shortened) and writes its results and plot."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("matplotlib")

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_compare_runs_every_variant_on_the_same_seeds_and_plots(tmp_path):
    short = ["--set", "rl.iterations=1", "--set", "rl.tasks_per_iteration=2", "--set", "rl.group_size=2",
             "--set", "rl.minibatches=1", "--set", "eval.episodes=2", "--set", "eval.every=0", "--set", "sft.epochs=1",
             "--set", "sft.episodes=2", "--set", "model.corpus_episodes=2"]
    done = subprocess.run([sys.executable, str(ROOT / "examples" / "methods" / "compare.py"), "igpo", *short,
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads((tmp_path / "igpo.json").read_text())
    assert list(results["variants"]) == ["GRPO", "IGPO"]
    assert results["base_config"]["rl"]["iterations"] == 1
    for variant in results["variants"].values():
        assert variant["eval_sft"]["episodes"] == 2 and [step for step, _ in variant["held_out"]] == [0, 1]
    assert (tmp_path / "igpo.png").stat().st_size > 0
    assert "IGPO" in done.stdout and "after RL" in done.stdout
    # a finished run of the same config is reused, not trained again
    again = subprocess.run([sys.executable, str(ROOT / "examples" / "methods" / "compare.py"), "igpo", *short,
                            "--out", str(tmp_path)], capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert again.returncode == 0 and again.stdout.count("reusing") == 2
