"""The ``agentgym`` command line."""

from agentgym.cli.app import app, main

__all__ = ["app", "main"]
