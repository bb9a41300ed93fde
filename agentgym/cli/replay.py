"""``agentgym replay DIR --episode ID``: re-play a recorded episode in a fresh env and report the
first turn that differs (a determinism audit), or print it as a transcript (``--transcript``)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.rule import Rule

from agentgym.config import apply_overrides
from agentgym.eval.replay import find_episode, replay
from agentgym.trajectory.records import Episode


def replay_command(
    run_dir: Path = typer.Argument(..., help="A run directory (agentgym eval, run or train output)."),
    episode_key: str = typer.Option(..., "--episode", "-e", help="Episode id (or a unique prefix), or its group id (ENV@SEED)."),
    transcript: bool = typer.Option(False, "--transcript", help="Print the episode instead of re-playing it."),
    overrides: list[str] = typer.Option([], "--set", help="Override an env argument: key=value (repeatable)."),
) -> None:
    """Re-execute a recorded episode's actions with its seed and report the first difference; exit 1 if one is found."""
    episode = find_episode(run_dir, episode_key)
    console = Console(highlight=False)
    if transcript:
        print_transcript(console, episode)
        return
    result = replay(run_dir, episode, apply_overrides({}, overrides))
    where = f"{escape(result.env_id)} {escape(str(result.env_kwargs))} seed {episode.seed}"
    mismatch = result.mismatch
    if mismatch is None:
        console.print(f"[green]identical[/]: {result.turns_replayed} of {episode.num_turns} turns re-played in {where}")
        return
    turn = "the first observation" if mismatch.turn < 0 else f"turn {mismatch.turn} (action {episode.turns[mismatch.turn].action!r})"
    console.print(f"[red]differs[/] at {escape(turn)}, {mismatch.field}, in {where}")
    console.print(Rule("recorded"), escape(str(mismatch.recorded)), Rule("replayed"), escape(str(mismatch.replayed)))
    raise typer.Exit(1)


def print_transcript(console: Console, episode: Episode) -> None:
    """The episode as the agent lived it: the task, then each output, action, reward and answer."""
    outcome = "won" if episode.success else ("errored: " + episode.error if episode.error else "not won")
    console.print(f"[bold]{escape(episode.env_id)}[/] seed {episode.seed} · {escape(episode.policy)} · "
                  f"{episode.num_turns} turns · return {episode.return_:.2f} · {escape(outcome)}")
    console.print(Rule("observation 0"), escape(episode.first_observation))
    for index, turn in enumerate(episode.turns, start=1):
        console.print(Rule(f"turn {index}"))
        if turn.raw_output != turn.action:
            console.print("[dim]model output:[/]", escape(turn.raw_output))
        console.print(f"[bold]> {escape(turn.action)}[/]   [dim]reward {turn.reward:g}[/]")
        console.print(escape(turn.observation))
