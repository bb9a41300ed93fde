"""``agentgym serve POLICY``: an OpenAI-compatible ``/v1/chat/completions`` endpoint for a policy."""

from __future__ import annotations

import typer

from agentgym.policy import make_policy
from agentgym.server import PolicyServer


def serve_command(
    policy: str = typer.Argument(..., help="The policy to serve, e.g. hf:/path/to/checkpoint."),
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port (0 picks a free one; the chosen port is printed)."),
    model_name: str = typer.Option("", help="The model name clients send (default: the policy's name)."),
    max_batch: int = typer.Option(32, help="Most requests answered by one generate call."),
    device: str = typer.Option("", help="Device for hf policies (cpu, cuda); default: CUDA when available."),
) -> None:
    """Serve POLICY over HTTP: OpenAI clients (and `openai:MODEL` policies) can talk to it."""
    kwargs = {"device": device} if device else {}
    served = make_policy(policy, **kwargs)
    server = PolicyServer(served, model_name or policy, host=host, port=port, max_batch=max_batch)
    typer.echo(f"serving {policy} as {server.model!r} on http://{host}:{server.port}/v1 (Ctrl-C stops)", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
