"""The report's error: a directory given to it is not a run, or a run's files cannot be read."""

from __future__ import annotations

from agentgym.errors import AgentGymError


class ReportError(AgentGymError, ValueError):
    """A directory given to the report is not a run, or a run's files cannot be read.

    Raised before anything is written, with a message naming the path and what to do."""
