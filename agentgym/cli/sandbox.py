"""``agentgym sandbox build-base`` and ``agentgym sandbox reap``: the Docker sandbox's upkeep."""

from __future__ import annotations

import typer

from agentgym.deps import load_attr

sandbox_app = typer.Typer(help="The Docker sandbox: build the base image offline, remove leftovers.", no_args_is_help=True)


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


@sandbox_app.command("reap")
def reap_command() -> None:
    """Remove the containers and volumes of agentgym processes that are gone."""
    typer.echo(f"removed {load_attr('sandbox.engine:reap')()}")
