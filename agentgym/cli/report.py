"""``agentgym report DIR [DIR ...] [--out FILE]``: runs rendered into one self-contained HTML page.

DIR is an ``agentgym eval`` / ``agentgym run`` output directory, an ``agentgym train`` run
(``runs/NAME``), any directory holding a trajectory store, or a directory of such runs
(``runs/``). The page has a leaderboard, SVG charts, learning curves and an episode viewer, and
opens offline.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from agentgym.report import build_report


def report_command(
    dirs: list[Path] = typer.Argument(..., metavar="DIR", help="Run directories (eval / run output, training runs), or directories of runs."),
    out: Path = typer.Option(Path("report.html"), "--out", "-o", help="The HTML file to write (a directory: report.html in it)."),
    max_episodes: int = typer.Option(50, "--max-episodes", help="Episodes the viewer embeds per run and env "
                                     "(the statistics use every episode)."),
) -> None:
    """Render runs into one self-contained HTML page: leaderboard, charts, learning curves, episode viewer."""
    if out.is_dir():
        out = out / "report.html"
    report = build_report(dirs, max_episodes=max_episodes)
    path = report.write(out)
    console = Console(highlight=False)
    if not console.is_terminal:  # logs and pipes: one line per message
        console.width = 160
    runs = len(report.runs)
    console.print(f"wrote [bold]{escape(str(path))}[/]: {runs} run{'s' if runs != 1 else ''}, {report.num_episodes:,} episodes, "
                  f"{path.stat().st_size / 1e6:.1f} MB; it opens offline in any browser")
    if report.embedded.groups_capped:
        console.print(f"[dim]the viewer embeds the first {max_episodes} episodes per run and env "
                      f"({report.embedded.episodes_left_out:,} not embedded; --max-episodes to change)[/]")
