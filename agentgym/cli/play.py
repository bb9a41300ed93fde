"""``agentgym play ENV_ID``: a person plays an env in the terminal.

Type an action, or the number of an admissible action. Commands start with ``:`` so they never
shadow a game command: ``:help``, ``:hint`` (the expert's next action), ``:reset``, ``:quit``.
End of input (Ctrl-D) quits.
"""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from agentgym.registry import make

HELP = "Type an action or the number of a listed action. :hint shows the expert's move, :reset restarts, :quit leaves."


def play_command(
    env_id: str = typer.Argument(..., help="Registered env id, e.g. toy/keys-v0."),
    seed: int = typer.Option(0, help="Seed of the first episode; each new episode adds 1."),
    show_actions: bool = typer.Option(True, "--show-actions/--hide-actions", help="List the admissible actions."),
) -> None:
    """Play an environment yourself in the terminal."""
    console = Console(highlight=False)
    with make(env_id) as env:
        episode_seed = seed
        observation, info = env.reset(seed=episode_seed)
        console.print(f"[bold]{escape(env_id)}[/]  task {escape(str(info.get('task_id')))}  ({HELP})\n")
        total, done = 0.0, False
        _show(console, observation, info, show_actions)
        while True:
            try:
                line = console.input("[bold cyan]> [/]")
            except EOFError:
                console.print()
                return
            command = line.strip()
            if command in (":quit", ":q"):
                return
            if command == ":help":
                console.print(HELP)
                continue
            if command == ":hint":
                console.print(f"expert: {escape(str(info.get('expert_action')))}")
                continue
            if command == ":reset" or done:
                episode_seed += 1
                observation, info = env.reset(seed=episode_seed)
                total, done = 0.0, False
                _show(console, observation, info, show_actions)
                continue
            action = _resolve(command, info)
            observation, reward, terminated, truncated, info = env.step(action)
            total += reward
            _show(console, observation, info, show_actions and not (terminated or truncated))
            if reward:
                console.print(f"[magenta]reward {reward:+g} (total {total:g})[/]")
            if terminated or truncated:
                outcome = "won" if info.get("won") else ("lost" if info.get("lost") else ("truncated" if truncated else "ended"))
                console.print(f"\n[bold]Episode {outcome}[/] with return {total:g}. Press Enter for a new episode, :quit to leave.")
                done = True


def _resolve(command: str, info: dict[str, Any]) -> str:
    """A number picks from the listed admissible actions; anything else is the action itself."""
    actions = info.get("admissible_actions") or []
    if command.isdigit() and 1 <= int(command) <= len(actions):
        return actions[int(command) - 1]
    return command


def _show(console: Console, observation: str, info: dict[str, Any], show_actions: bool) -> None:
    console.print(escape(observation))
    actions = info.get("admissible_actions")
    if show_actions and actions:
        console.print("[dim]" + escape("  ".join(f"{i}) {a}" for i, a in enumerate(actions, 1))) + "[/]")
