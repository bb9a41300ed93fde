"""``agentgym run ENV_ID --policy NAME``: play episodes, save trajectories, print a summary.

Settings come from, lowest precedence first: the defaults of :class:`RunConfig`, a TOML file
(``--config``), the flags, and ``--set key=value`` overrides. The output directory gets
``config.json`` (the effective settings), ``trajectories/`` (Parquet) and ``summary.json``.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from agentgym.actions import ACTION_FORMATS
from agentgym.config import apply_overrides, from_dict, load_toml
from agentgym.deps import package_versions, require
from agentgym.errors import ConfigError
from agentgym.policy import make_policy
from agentgym.registry import make, spec
from agentgym.rollout import RunSettings, run_episodes
from agentgym.trajectory.reader import TRAJECTORIES_SUBDIR, part_files
from agentgym.trajectory.summary import summarize
from agentgym.trajectory.writer import TrajectoryWriter


@dataclass
class RunConfig:
    """Everything ``agentgym run`` needs; every key can be set in TOML or with ``--set``."""

    env: str = ""
    policy: str = "random"
    episodes: int = 10
    seed: int = 0
    out: str = ""
    max_turns: int = 200
    max_episode_steps: int | None = None
    action_format: str = "raw"
    system_prompt: str | None = None
    env_kwargs: dict = field(default_factory=dict)
    policy_kwargs: dict = field(default_factory=dict)

    def validate(self) -> None:
        if not self.env:
            raise ConfigError("no env given: pass ENV_ID or set env in the config file")
        if self.episodes < 1:
            raise ConfigError(f"episodes must be at least 1, got {self.episodes}")
        if self.seed < 0:
            raise ConfigError(f"seed must be non-negative, got {self.seed}")
        if self.action_format not in ACTION_FORMATS:
            raise ConfigError(f"action_format must be one of {ACTION_FORMATS}, got {self.action_format!r}")


def resolve_config(config_file: Optional[Path], flags: dict[str, Any], overrides: list[str]) -> RunConfig:
    """Merge defaults, the TOML file, explicit flags (non-None) and ``key=value`` overrides."""
    data = load_toml(config_file) if config_file else {}
    data.update({k: v for k, v in flags.items() if v is not None})
    config = from_dict(RunConfig, apply_overrides(data, overrides))
    config.validate()
    return config


def run_command(
    env_id: Optional[str] = typer.Argument(None, help="Registered env id (or set env in --config)."),
    policy: Optional[str] = typer.Option(None, "--policy", "-p", help="random, expert, or KIND:ARG."),
    episodes: Optional[int] = typer.Option(None, "--episodes", "-n", help="Number of episodes (default: 10)."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Seed of the first episode; episode i uses seed + i (default: 0)."),
    out: Optional[str] = typer.Option(None, "--out", "-o", help="Output directory (default: runs/<env>-<policy>-<time>)."),
    config_file: Optional[Path] = typer.Option(None, "--config", "-c", help="TOML file with run settings."),
    overrides: list[str] = typer.Option([], "--set", help="Override any setting: key=value (repeatable)."),
) -> None:
    """Play episodes with a policy, write trajectories (Parquet) and print a summary table."""
    config = resolve_config(config_file, {"env": env_id, "policy": policy, "episodes": episodes, "seed": seed, "out": out}, overrides)
    env_spec = spec(config.env)
    for module in env_spec.requires:  # fail before anything is written
        require(module, extra=env_spec.extra, what=f"the env {env_spec.id}")
    out_dir = Path(config.out or default_out_dir(config))
    if out_dir.exists() and (out_dir / TRAJECTORIES_SUBDIR).is_dir() and part_files(out_dir):
        raise ConfigError(f"{out_dir} already holds trajectories; choose another --out (nothing was overwritten)")
    agent = make_policy(config.policy, seed=config.seed, **config.policy_kwargs)
    settings = RunSettings(action_format=config.action_format, system_prompt=config.system_prompt, max_turns=config.max_turns)
    run_id = out_dir.name

    def make_env():
        return make(config.env, max_episode_steps=config.max_episode_steps, **config.env_kwargs)

    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "config.json").write_text(json.dumps(asdict(config), indent=2) + "\n")
    console = Console(highlight=False)
    if not console.is_terminal:  # logs and pipes: do not squeeze the table into 80 columns
        console.width = 120
    episodes_done = []
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("success {task.fields[success]}"),
                        TimeRemainingColumn(), console=Console(stderr=True), transient=True)
    with TrajectoryWriter(out_dir / TRAJECTORIES_SUBDIR, run_config=asdict(config), env_versions=package_versions(env_spec.requires)) as writer, progress:
        task = progress.add_task(f"{config.env} · {config.policy}", total=config.episodes, success="-")
        for episode in run_episodes(make_env, agent, env_id=config.env, episodes=config.episodes, seed=config.seed, settings=settings, run_id=run_id):
            writer.write(episode)
            episodes_done.append(episode)
            rate = sum(e.success for e in episodes_done) / len(episodes_done)
            progress.update(task, advance=1, success=f"{rate:.0%}")
    summary = {"env": config.env, "policy": config.policy, **summarize(episodes_done)}
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    console.print(summary_table([summary]))
    console.print(f"trajectories and summary in [bold]{escape(str(out_dir))}[/]")


def default_out_dir(config: RunConfig) -> str:
    slug = f"{config.env}-{config.policy}".replace("/", "-").replace(":", "-")
    return f"runs/{slug}-{time.strftime('%Y%m%d-%H%M%S')}"


def summary_table(summaries: list[dict[str, Any]]) -> Table:
    """One row per summary: success rate ± standard error, mean return and turns, valid actions, time."""
    table = Table(title="results", box=box.SIMPLE_HEAD)
    for column in ("env", "policy", "episodes", "success", "return", "turns", "valid", "errors", "time"):
        table.add_column(column, justify="left" if column in ("env", "policy") else "right", no_wrap=True)
    for s in summaries:
        valid = "-" if s["valid_action_rate"] is None else f"{s['valid_action_rate']:.0%}"
        table.add_row(
            escape(s["env"]),
            escape(s["policy"]),
            str(s["episodes"]),
            f"{s['success_rate']:.0%} ±{s['success_se']:.0%}",
            f"{s['mean_return']:.2f}",
            f"{s['mean_turns']:.1f}",
            valid,
            str(s["errors"]),
            f"{s['wall_seconds']:.1f}s",
        )
    table.caption = "success ± binomial standard error; return, turns: means per episode; valid: share of valid actions"
    return table
