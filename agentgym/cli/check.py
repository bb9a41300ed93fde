"""``agentgym check ENV_ID``: run the text-env contract checker on a registered env."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape

from agentgym.checker import check_env
from agentgym.registry import make


def check_command(
    env_id: str = typer.Argument(..., help="Registered env id, e.g. toy/keys-v0."),
    seed: int = typer.Option(0, help="Seed the checks reset with."),
) -> None:
    """Check that an env keeps the text-env contract (agentgym's checks and Gymnasium's)."""
    console = Console()
    warnings = check_env(make(env_id), seed=seed)
    for warning in warnings:
        console.print(f"[yellow]warning:[/] {escape(warning)}")
    console.print(f"[green]{escape(env_id)} passes the text-env contract checks[/]")
