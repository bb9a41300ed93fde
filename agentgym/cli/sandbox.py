"""``agentgym sandbox build-base``, ``build-tasks`` and ``reap``: the Docker sandbox's upkeep."""

from __future__ import annotations

import typer

from agentgym.deps import load_attr

sandbox_app = typer.Typer(help="The Docker sandbox: build the base and task images offline, remove leftovers.",
                          no_args_is_help=True)


@sandbox_app.command("build-base")
def build_base(
    tag: str = typer.Option("agentgym/base:bookworm", help="Image name:tag to create."),
    suite: str = typer.Option("bookworm", help="Debian suite for debootstrap."),
    mirror: str = typer.Option("", help="Debian mirror (default: the one the apt sources name)."),
) -> None:
    """Build the base image with debootstrap (no registry needed); the rootfs is cached."""
    build_base_image = load_attr("sandbox.images:build_base_image")  # the core names implementations by string
    image = build_base_image(tag=tag, suite=suite, mirror=mirror or None)
    typer.echo(f"{tag} {image}")


@sandbox_app.command("build-tasks")
def build_tasks(
    tasks: str = typer.Option("", help="A SWE task file (JSONL or datasets); default: the bundled tasks (swe/local-v0)."),
    base: str = typer.Option("", help="The image to layer the tasks on (default: the base image, built if missing)."),
) -> None:
    """Bake each SWE task into an image of its own (offline), so resets skip copying and setup.

    Tasks that name their own image are skipped; an image of unchanged content is reused.
    """
    swe_env = load_attr("environments.swe.env:SWEEnv")  # the core names implementations by string
    built = swe_env(tasks=tasks or None, image=base or None).build_task_images()
    for instance_id, tag in built.items():
        typer.echo(f"{instance_id} {tag}")
    typer.echo(f"{len(built)} task image{'s' if len(built) != 1 else ''}")


@sandbox_app.command("reap")
def reap_command() -> None:
    """Remove the containers and volumes of agentgym processes that are gone."""
    typer.echo(f"removed {load_attr('sandbox.engine:reap')()}")
