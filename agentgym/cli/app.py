"""The ``agentgym`` entry point: one Typer app, one module per subcommand."""

from __future__ import annotations

import logging

import typer

from agentgym.cli import check, doctor, envs, eval, play, replay, report, run, serve, train
from agentgym.cli.bench import bench_app
from agentgym.cli.sandbox import sandbox_app
from agentgym.errors import AgentGymError
from agentgym.version import __version__

app = typer.Typer(
    name="agentgym",
    help="Train and benchmark LLM agents on multi-turn text environments.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("envs")(envs.envs_command)
app.command("doctor")(doctor.doctor_command)
app.command("play")(play.play_command)
app.command("run")(run.run_command)
app.command("check")(check.check_command)
app.command("serve")(serve.serve_command)
app.command("train")(train.train_command)
app.command("eval")(eval.eval_command)
app.command("replay")(replay.replay_command)
app.command("report")(report.report_command)
app.add_typer(bench_app, name="bench")
app.add_typer(sandbox_app, name="sandbox")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"agentgym {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log at INFO level."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


def main() -> None:
    """Console-script entry point: agentgym errors become one red line and exit code 2."""
    try:
        app()
    except AgentGymError as exc:
        from rich.console import Console
        from rich.text import Text

        Console(stderr=True).print(Text.assemble(("error: ", "bold red"), str(exc)))
        raise SystemExit(2) from None
