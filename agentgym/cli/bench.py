"""``agentgym bench env | rollout | sandbox``: measure this set-up; a table, and ``--out`` JSON.

The measuring is in :mod:`agentgym.bench`; this module parses the options, shows progress on
stderr, prints the figures as a table and writes them with the machine's facts (CPUs, Python,
agentgym version, date). An agentgym error prints one red line and exits with code 2, as the
``agentgym`` entry point does for every command.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Optional, TypeVar

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from agentgym.bench.common import check_out, machine_info, write_json
from agentgym.bench.env import FALLBACK_ACTIONS, EnvBench, bench_env
from agentgym.bench.rollout import TINY, CollectFigures, RolloutBench, bench_rollout
from agentgym.bench.sandbox import Latency, SandboxBench, bench_sandbox
from agentgym.config import apply_overrides
from agentgym.errors import AgentGymError

bench_app = typer.Typer(help="Measure this set-up: env speed and memory, rollout throughput, sandbox latency.",
                        no_args_is_help=True)
F = TypeVar("F", bound=Callable[..., Any])


def _clear_errors(command: F) -> F:
    """An agentgym error ends the command with one red line on stderr and exit code 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except AgentGymError as exc:
            Console(stderr=True).print(Text.assemble(("error: ", "bold red"), str(exc)))
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


@bench_app.command("env")
@_clear_errors
def env_command(
    env_id: str = typer.Argument(..., help="A registered env id (see `agentgym envs`)."),
    steps: int = typer.Option(1000, "--steps", "-n", help="Random-policy steps to time."),
    seed: int = typer.Option(0, "--seed", help="Seed of every reset and of the random policy."),
    resets: int = typer.Option(5, "--resets", help="Warm resets to time (same seed)."),
    overrides: list[str] = typer.Option([], "--set", help="Env constructor argument key=value (repeatable), e.g. level=5."),
    actions: list[str] = typer.Option([], "--action", help="Fallback action(s) where the env lists none (repeatable)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the figures as JSON to this file."),
) -> None:
    """Time make, the first (cold) reset, warm resets and random steps of one env; peak memory."""
    env_kwargs = apply_overrides({}, overrides)
    if out is not None:
        check_out(out, "env")
    with _status() as phase:
        result = bench_env(env_id, steps=steps, seed=seed, resets=resets, env_kwargs=env_kwargs,
                           fallback_actions=tuple(actions) or FALLBACK_ACTIONS, on_phase=phase)
    _print(env_table(result), out, "env", result.to_dict())


@bench_app.command("rollout")
@_clear_errors
def rollout_command(
    env_id: str = typer.Option("toy/keys-v0", "--env", help="The env every episode plays."),
    envs: int = typer.Option(8, "--envs", help="Envs in the pool."),
    episodes: int = typer.Option(32, "--episodes", "-n", help="Episodes to collect."),
    policy: str = typer.Option(TINY, "--policy", "-p", help="tiny (a random-weight model built offline), random, hf:PATH, openai:MODEL, ..."),
    context: Optional[str] = typer.Option(None, "--context", help="concat, window or text (default: concat for a local model, else text)."),
    pool: str = typer.Option("subprocess", "--pool", help="subprocess (a worker per env) or inprocess."),
    seed: int = typer.Option(0, "--seed", help="Episode i is reset with seed + i."),
    max_turns: int = typer.Option(8, "--max-turns", help="Turns per episode at most."),
    max_new_tokens: int = typer.Option(16, "--max-new-tokens", help="Tokens per turn at most."),
    action_format: str = typer.Option("raw", "--action-format", help="How actions are read from the output: raw, tag, json, last_line, auto."),
    torch_threads: Optional[int] = typer.Option(None, "--torch-threads", help="torch threads for a local model (default: torch's, one per core)."),
    overrides: list[str] = typer.Option([], "--set", help="Env constructor argument key=value (repeatable)."),
    baseline: bool = typer.Option(False, "--baseline", help="Also play the episodes one env at a time and print the ratio."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the figures as JSON to this file."),
) -> None:
    """Collect episodes over a pool of envs: tokens/s, episodes/s, time split, batch sizes."""
    env_kwargs = apply_overrides({}, overrides)
    if out is not None:
        check_out(out, "rollout")
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=Console(stderr=True), transient=True)
    with progress:
        task = progress.add_task(f"{env_id} · {policy}", total=episodes * (2 if baseline else 1))
        result = bench_rollout(env_id, envs=envs, episodes=episodes, policy=policy, context=context, pool=pool, seed=seed,
                               max_turns=max_turns, max_new_tokens=max_new_tokens, action_format=action_format,
                               env_kwargs=env_kwargs, baseline=baseline, torch_threads=torch_threads,
                               on_episode=lambda _: progress.advance(task))
    _print(rollout_table(result), out, "rollout", result.to_dict())


@bench_app.command("sandbox")
@_clear_errors
def sandbox_command(
    execs: int = typer.Option(50, "--execs", "-n", help="Timed exec calls of each kind."),
    pool: int = typer.Option(4, "--pool", help="Size of the warm sandbox pool."),
    acquires: int = typer.Option(10, "--acquires", help="Timed acquisitions from the warm pool."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the figures as JSON to this file."),
) -> None:
    """Latency of Sandbox.exec against a raw docker exec_run, and of a warm pool's acquire (needs Docker)."""
    if out is not None:
        check_out(out, "sandbox")
    with _status() as phase:
        result = bench_sandbox(execs=execs, pool=pool, acquires=acquires, on_phase=phase)
    _print(sandbox_table(result), out, "sandbox", result.to_dict())


# -- tables ---------------------------------------------------------------------------------
def env_table(r: EnvBench) -> Table:
    """The figures of :func:`agentgym.bench.bench_env`, one per row."""
    m = r.memory
    table = _table(f"bench env {r.env_id}", ("figure", "value", "notes"))
    kwargs = ", ".join(f"{k}={v!r}" for k, v in r.env_kwargs.items())
    table.add_row("make", _time(r.make_s), escape(kwargs))
    table.add_row("first (cold) reset", _time(r.cold_reset_s), "may generate a game, start a JVM or a container")
    table.add_row("warm reset", f"{_time(r.warm_reset_s)} / {_time(r.warm_reset_p90_s)}", f"median / p90 of {r.warm_resets}, seed {r.seed}")
    table.add_row("steps/s", f"{r.steps_per_s:,.0f}", f"{r.steps:,} random steps; time inside step() only")
    actions = f"{r.admissible_steps:,} from the env's list, {r.fallback_steps:,} fallback, {r.invalid_actions:,} invalid"
    table.add_row("stepping loop", _time(r.loop_s), f"{r.episodes_ended} episodes ended (reset, same seed); {actions}")
    table.add_row("close", _time(r.close_s), "")
    before = "" if m.rss_before_mib is None else f"{m.rss_before_mib:,.0f} MiB before make; "
    scope = "peak over the bench" if m.peak_scope == "bench" else "peak since the process started"
    table.add_row("peak RSS, this process", f"{m.peak_rss_mib:,.0f} MiB", f"{before}{scope} ({m.source})")
    table.add_row("peak RSS, child processes", f"{m.children_peak_rss_mib:,.0f} MiB",
                  f"{m.children} live (JVM, workers); sum of their peaks; containers not counted")
    table.add_row("largest finished child", f"{m.finished_child_max_rss_mib:,.0f} MiB", "peak of one exited child, process lifetime")
    return table


def rollout_table(r: RolloutBench) -> Table:
    """The figures of :func:`agentgym.bench.bench_rollout`: the pool, and one env at a time with the ratio."""
    table = _table(f"bench rollout {r.env_id} · {r.policy} · {r.context}", ("figure", f"{r.pooled.envs} envs ({r.pool})"))
    b = r.baseline
    if b is not None:
        table.add_column("one env", justify="right", no_wrap=True)
        table.add_column("ratio", justify="right", no_wrap=True)

    def row(name: str, get: Callable[[CollectFigures], str], ratio: float | None = None) -> None:
        cells = [name, get(r.pooled)]
        if b is not None:
            cells += [get(b), "" if ratio is None else f"x{ratio:.2f}"]
        table.add_row(*cells)

    row("episodes / turns / errors", lambda f: f"{f.episodes} / {f.turns} / {f.errors}")
    row("generated tokens", lambda f: f"{f.generated_tokens:,}")
    row("tokens/s", lambda f: f"{f.tokens_per_s:,.0f}" if f.generated_tokens else "-", r.tokens_speedup)
    row("episodes/s", lambda f: f"{f.episodes_per_s:,.2f}", r.episodes_speedup)
    row("turns/s", lambda f: f"{f.turns_per_s:,.1f}")
    row("wall", lambda f: _time(f.wall_s))
    row("  policy (generate)", lambda f: _share(f.policy_s, f.wall_s))
    row("  env (reset, step)", lambda f: _share(f.env_s, f.wall_s))
    row("  overhead", lambda f: _share(f.overhead_s, f.wall_s))
    row("batches: count, mean (min-max)", lambda f: f"{f.rounds}, {f.batch_mean:.1f} ({f.batch_min}-{f.batch_max})")
    row("success rate", lambda f: f"{f.success_rate:.0%}")
    row("pool start (not timed above)", lambda f: _time(f.pool_start_s))
    threads = "" if r.torch_threads is None else f", {r.torch_threads} torch thread(s)"
    tokens = f" and {r.max_new_tokens} new tokens" if r.pooled.generated_tokens else ""
    table.caption = (f"{r.pooled.episodes} episodes, seeds {r.seed}-{r.seed + r.pooled.episodes - 1}, at most {r.max_turns} turns{tokens} "
                     f"a turn; policy set-up {_time(r.policy_setup_s)}{threads}")
    return table


def sandbox_table(r: SandboxBench) -> Table:
    """The figures of :func:`agentgym.bench.bench_sandbox`."""
    table = _table(f"bench sandbox ({escape(r.image)})", ("figure", "median", "p90", "n"))

    def latency(name: str, value: Latency) -> None:
        table.add_row(name, _time(value.median_ms / 1000), _time(value.p90_ms / 1000), str(value.count))

    latency('Sandbox.exec("true")', r.sandbox_exec)
    latency('docker SDK exec_run(["true"])', r.raw_exec)
    table.add_row("ratio Sandbox.exec / exec_run", f"{r.exec_ratio:.2f}", "", "")
    latency(f"acquire from a warm pool of {r.pool}", r.warm_acquire)
    table.add_row("start a sandbox", _time(r.start_s), "", "1")
    table.add_row("close it", _time(r.close_s), "", "1")
    table.add_row(f"fill a pool of {r.pool}", _time(r.pool_fill_s), "", "1")
    table.caption = f"engine: {escape(r.docker_host)}"
    return table


# -- helpers --------------------------------------------------------------------------------
def _table(title: str, columns: tuple[str, ...]) -> Table:
    table = Table(title=escape(title), box=box.SIMPLE_HEAD)
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i == 0 or column == "notes" else "right", no_wrap=column != "notes")
    return table


def _print(table: Table, out: Optional[Path], bench: str, figures: dict[str, Any]) -> None:
    console = Console(highlight=False)
    if not console.is_terminal:  # logs and pipes: do not squeeze the table into 80 columns
        console.width = 120
    console.print(table)
    console.print(f"[dim]{escape(_machine())}[/]")
    if out is not None:
        console.print(f"figures in [bold]{escape(str(write_json(out, bench, figures)))}[/]")


@contextlib.contextmanager
def _status() -> Iterator[Callable[[str], None]]:
    """A spinner on stderr; the yielded function changes its text."""
    with Console(stderr=True).status("starting") as status:
        yield lambda text: status.update(escape(text))


def _machine() -> str:
    m = machine_info()
    return f"{m['cpus']} CPUs ({m['cpus_usable']} usable), Python {m['python']}, agentgym {m['agentgym']}, {m['date']}"


def _time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:,.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:,.1f} ms"
    return f"{seconds:,.2f} s"


def _share(part: float, whole: float) -> str:
    return f"{_time(part)} ({part / whole:.0%})" if whole > 0 else _time(part)
