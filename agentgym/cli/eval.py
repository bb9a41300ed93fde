"""``agentgym eval``: benchmark a policy on an env or a suite, on fixed held-out seeds.

Settings come from, lowest precedence first: :class:`agentgym.eval.EvalConfig`'s defaults, a
TOML file (``--config``), the flags, and ``--set key=value`` overrides. Everything that can be
wrong (suite, envs, dependencies, policy, output directory) is checked before the first episode.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from agentgym.eval import execute, prepare, resolve_config, summarize_run
from agentgym.trajectory.records import Episode


def eval_command(
    env: Optional[str] = typer.Option(None, "--env", "-e", help="Env id, suite name (textworld, alfworld, scienceworld, "
                                      "nethack, swe, all, toy, or your own) or suite .toml file."),
    policy: Optional[str] = typer.Option(None, "--policy", "-p", help="random, expert, hf:PATH, openai:MODEL, …"),
    episodes: Optional[int] = typer.Option(None, "--episodes", "-n", help="Episodes per env (default: the suite's, else 10)."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Episode i of every env uses seed SEED + i (default: 0)."),
    out: Optional[str] = typer.Option(None, "--out", "-o", help="Output directory (default: runs/eval-<suite>-<policy>-<time>)."),
    concurrency: Optional[int] = typer.Option(None, "--concurrency", "-c", help="Envs played at once (default: 4)."),
    resume: bool = typer.Option(False, "--resume", help="Continue the run in --out: play only the episodes it lacks."),
    retry_errors: bool = typer.Option(False, "--retry-errors", help="With --resume: play the errored episodes again."),
    no_report: bool = typer.Option(False, "--no-report", help="Do not write report.html."),
    config_file: Optional[Path] = typer.Option(None, "--config", help="TOML file with eval settings."),
    overrides: list[str] = typer.Option([], "--set", help="Override any setting: key=value (repeatable)."),
) -> None:
    """Run a policy over envs or a suite; write trajectories, manifest.json, summary.json and report.html."""
    flags = {"env": env, "policy": policy, "episodes": episodes, "seed": seed, "out": out, "concurrency": concurrency}
    config = resolve_config(config_file, flags, overrides)
    plan = prepare(config, resume=resume, retry_errors=retry_errors)
    err = Console(stderr=True, highlight=False)
    if plan.recorded:
        err.print(f"resuming {escape(str(plan.out_dir))}: {plan.recorded} of {plan.total} episodes recorded, {plan.pending} to play")
    outcomes: list[bool] = []
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("success {task.fields[success]}"), TimeElapsedColumn(), TextColumn("ETA"),
                        TimeRemainingColumn(), console=err, transient=True)

    def on_episode(episode: Episode) -> None:
        outcomes.append(episode.success)
        progress.update(task, advance=1, success=f"{sum(outcomes) / len(outcomes):.0%}")

    with progress:
        task = progress.add_task(f"{plan.suite.name} · {plan.config.policy}", total=plan.pending, success="-")
        execute(plan, on_episode)
    summary = summarize_run(plan.out_dir)
    if not no_report:
        from agentgym.report import write_report

        write_report([plan.out_dir], plan.out_dir / "report.html")
    console = Console(highlight=False)
    if not console.is_terminal:  # logs and pipes: do not squeeze the table into 80 columns
        console.width = 140
    console.print(results_table(summary))
    console.print(f"trajectories, manifest.json, summary.json{'' if no_report else ' and report.html'} in "
                  f"[bold]{escape(str(plan.out_dir))}[/]")


def results_table(summary: dict[str, Any]) -> Table:
    """One row per env and one for the whole suite: success ± standard error, return, turns,
    valid actions, errored episodes, tokens and cost."""
    table = Table(title=f"{summary['suite']} · {summary['policy']}", box=box.SIMPLE_HEAD)
    table.add_column("env", overflow="fold")  # long ids fold; the numbers keep their width
    for column in ("episodes", "success", "return", "turns", "valid", "errors", "tokens in/out", "cost"):
        table.add_column(column, justify="right", no_wrap=True, min_width=len(column))
    rows = list(summary["envs"].items())
    if len(rows) > 1:
        rows.append(("all (pooled)", summary["overall"]))
    for name, s in rows:
        done = f"{s['episodes']}" if s.get("planned", s["episodes"]) == s["episodes"] else f"{s['episodes']}/{s['planned']}"
        if s["episodes"] == 0:
            table.add_row(escape(name), done, *["-"] * 7)
            continue
        valid = "-" if s["valid_action_rate"] is None else f"{s['valid_action_rate']:.0%}"
        table.add_row(escape(name), done, f"{s['success_rate']:.0%} ±{s['success_se']:.0%}", f"{s['mean_return']:.2f}",
                      f"{s['mean_turns']:.1f}", valid, str(s["errors"]), f"{s['tokens_in']:,}/{s['tokens_out']:,}",
                      f"${s['cost_usd']:.4f}" if s["cost_usd"] else "-")
    macro = summary["overall"]["macro_success_rate"]
    table.caption = ("success ± binomial standard error; return, turns: means per episode; valid: share of valid actions"
                     + (f"; mean of the envs' success rates {macro:.1%}" if len(summary["envs"]) > 1 and macro is not None else ""))
    return table
