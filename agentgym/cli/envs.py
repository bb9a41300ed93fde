"""``agentgym envs``: the registered environments and whether they can be made here."""

from __future__ import annotations

from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from agentgym.registry import registry


def envs_command(
    pattern: Optional[str] = typer.Argument(None, help="Glob (textworld/*) or substring to filter ids."),
) -> None:
    """List registered env ids, their family, and whether their dependencies are installed."""
    console = Console()
    ids = registry.list_envs(pattern)
    table = Table(title=f"agentgym environments ({len(ids)})")
    for column in ("id", "family", "dependencies", "description"):
        table.add_column(column)
    for env_id in ids:
        spec = registry.spec(env_id)
        missing = spec.missing_dependencies
        if missing:
            fix = f"pip install 'agentgym[{spec.extra}]'" if spec.extra else f"pip install {' '.join(missing)}"
            status = f"[red]missing {escape(', '.join(missing))}[/] ({escape(fix)})"
        else:
            status = "[green]installed[/]"
        table.add_row(escape(env_id), escape(spec.family), status, escape(spec.description))
    console.print(table)
    for provider, error in registry.plugin_errors.items():
        console.print(f"[red]plugin {escape(provider)} failed to load:[/] {escape(error)}")
    if not ids and pattern:
        console.print(f"no env id matches {escape(repr(pattern))}")
