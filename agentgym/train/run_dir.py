"""The directory of a training run, ``runs/NAME/``::

    config.toml          the effective configuration (defaults filled in)
    metrics.jsonl        one JSON object per logged step (``phase``, ``step``, metrics)
    trajectories/        every RL and evaluation episode (Parquet, agentgym's store)
    checkpoints/NAME/    model + tokenizer, optimizer, value head, RNG states, trainer state
                         (LoRA: model/ is the adapter merged into the base, adapter/ the adapter alone)
    reference/           the KL reference model (when rl.kl_coef > 0; with LoRA and no SFT, none:
                         the reference is the base with the adapter switched off)
    base/                the base model of a LoRA run that built its model (model.path is the base otherwise)
    summary.json         the evaluations and the wall time
    curves.png           learning curves (when matplotlib is installed)

Checkpoints are written to a temporary directory and renamed into place, so a run killed while
saving keeps its previous checkpoint; only the newest ``keep`` are kept. In a distributed run only
rank 0 writes here.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from agentgym.errors import ConfigError
from agentgym.train import lora
from agentgym.train.config import toml_text

CHECKPOINTS = "checkpoints"
STATE_FILE = "trainer_state.json"


class RunDir:
    """Paths and files of one run."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.checkpoints = self.path / CHECKPOINTS
        self.metrics_file = self.path / "metrics.jsonl"
        self.trajectories = self.path / "trajectories"

    def prepare(self, *, resume: bool, overwrite: bool) -> None:
        """Create the directory; refuse to mix a new run into an old one unless told how."""
        if self.path.exists() and any(self.path.iterdir()) and not resume:
            if not overwrite:
                raise ConfigError(f"{self.path} already holds a run: pass --resume to continue it, --overwrite to "
                                  "replace it, or choose another name (nothing was changed)")
            shutil.rmtree(self.path)
        if resume and self.latest_checkpoint() is None:
            raise ConfigError(f"--resume: {self.path} has no checkpoint to resume from")
        self.path.mkdir(parents=True, exist_ok=True)

    def write_config(self, config: dict[str, Any]) -> None:
        (self.path / "config.toml").write_text(toml_text(config))

    def log(self, record: dict[str, Any]) -> None:
        """Append one metrics record (flushed, so a crash keeps every finished step)."""
        with open(self.metrics_file, "a") as handle:
            handle.write(json.dumps({**record, "time": time.time()}) + "\n")

    def metrics(self) -> list[dict[str, Any]]:
        if not self.metrics_file.exists():
            return []
        return [json.loads(line) for line in self.metrics_file.read_text().splitlines() if line.strip()]

    def truncate_metrics(self, keep: Any) -> None:
        """Drop records logged after a checkpoint (on resume), so no step is logged twice."""
        records = [r for r in self.metrics() if keep(r)]
        self.metrics_file.write_text("".join(json.dumps(r) + "\n" for r in records))

    def write_summary(self, summary: dict[str, Any]) -> None:
        (self.path / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")

    # checkpoints -------------------------------------------------------------------------
    def save_checkpoint(self, name: str, *, policy: Any, optimizer: Any, value_head: Any, state: dict[str, Any],
                        keep: int) -> Path:
        final = self.checkpoints / name
        tmp = self.checkpoints / f".{name}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        lora.save_model(policy, tmp / "model")
        if lora.is_lora(policy.model):
            lora.save_adapter(policy, tmp / lora.ADAPTER_DIR)
        if optimizer is not None:
            torch.save(optimizer.state_dict(), tmp / "optimizer.pt")
        if value_head is not None:
            torch.save(value_head.state_dict(), tmp / "value_head.pt")
        torch.save({"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate()},
                   tmp / "rng.pt")
        (tmp / STATE_FILE).write_text(json.dumps({**state, "saved_at": time.time()}, indent=2))
        shutil.rmtree(final, ignore_errors=True)
        os.replace(tmp, final)
        for old in self.list_checkpoints()[:-keep] if keep > 0 else []:
            shutil.rmtree(old, ignore_errors=True)
        return final

    def list_checkpoints(self) -> list[Path]:
        """Finished checkpoints, oldest first."""
        if not self.checkpoints.is_dir():
            return []
        found = [p for p in self.checkpoints.iterdir() if p.is_dir() and not p.name.startswith(".") and (p / STATE_FILE).exists()]
        return sorted(found, key=lambda p: json.loads((p / STATE_FILE).read_text())["saved_at"])

    def latest_checkpoint(self) -> Path | None:
        found = self.list_checkpoints()
        return found[-1] if found else None


def load_checkpoint_state(path: Path) -> dict[str, Any]:
    """The trainer state of a checkpoint, with its RNG states restored into this process."""
    rng = torch.load(path / "rng.pt", weights_only=False)
    torch.set_rng_state(rng["torch"])
    np.random.set_state(rng["numpy"])
    random.setstate(rng["python"])
    return json.loads((path / STATE_FILE).read_text())
