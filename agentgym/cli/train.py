"""``agentgym train CONFIG [--set key=value ...] [--resume | --overwrite]``.

Data-parallel over N processes, unchanged: ``torchrun --nproc_per_node N $(which agentgym) train
CONFIG`` (``--standalone`` on one machine; gloo on CPU, NCCL on GPUs, see
:mod:`agentgym.train.distributed`)."""

from __future__ import annotations

from pathlib import Path

import typer


def train_command(
    config_file: Path = typer.Argument(..., help="TOML training config (see configs/demo.toml)."),
    overrides: list[str] = typer.Option([], "--set", help="Override any key: rl.iterations=5, env.kwargs.level=3 (repeatable)."),
    resume: bool = typer.Option(False, "--resume", help="Continue the run from its newest checkpoint."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing run of the same name."),
) -> None:
    """SFT and RL on an env; writes runs/NAME (config, metrics, checkpoints, trajectories, summary, curves)."""
    from agentgym.train import load_train_config, train

    config = load_train_config(config_file, overrides)
    train(config, resume=resume, overwrite=overwrite)
