"""``agentgym report``: runs rendered into one self-contained HTML page.

:func:`write_report` reads run directories (``agentgym eval`` / ``run`` output, ``agentgym
train`` runs, or any directory holding a trajectory store), recomputes the statistics from their
episodes and writes a page with a leaderboard, SVG charts (success by env, success vs. turns,
learning curves) and an episode viewer. The page needs no network: CSS, charts, script and
episodes are all inline.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from agentgym.report.episodes import DEFAULT_MAX_CHARS, EmbedStats, viewer_data
from agentgym.report.errors import ReportError
from agentgym.report.page import render
from agentgym.report.runs import EpisodeGroup, Run, load_runs

logger = logging.getLogger(__name__)

__all__ = ["EpisodeGroup", "Report", "ReportError", "Run", "build_report", "load_runs", "write_report"]


@dataclass
class Report:
    """A rendered report: the page and what it was made of."""

    html: str
    runs: list[Run]
    embedded: EmbedStats

    @property
    def num_episodes(self) -> int:
        return sum(r.num_episodes for r in self.runs)

    def write(self, out_path: str | os.PathLike[str]) -> Path:
        """Write the page to ``out_path`` (parents created), whole or not at all; returns the path."""
        out = _check_out(out_path)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.tmp")
        # written whole, then renamed: a browser reloading the file never sees half a page
        tmp.write_text(self.html, encoding="utf-8", errors="replace")
        os.replace(tmp, out)
        logger.info("wrote %s: %d runs, %d episodes, %d bytes", out, len(self.runs), self.num_episodes, out.stat().st_size)
        return out


def build_report(dirs: list[str | os.PathLike[str]], *, max_episodes: int = 50, max_chars: int = DEFAULT_MAX_CHARS) -> Report:
    """Load the runs under ``dirs`` and render the page (see :func:`write_report` for the arguments)."""
    for name, value in (("max_episodes", max_episodes), ("max_chars", max_chars)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ReportError(f"{name} must be a positive integer, got {value!r}")
    runs = load_runs([Path(d) for d in dirs], full_per_group=max_episodes)
    viewer, embedded = viewer_data(runs, max_episodes=max_episodes, max_chars=max_chars)
    return Report(render(runs, viewer, embedded), runs, embedded)


def write_report(dirs: list[str | os.PathLike[str]], out_path: str | os.PathLike[str], *, max_episodes: int = 50,
                 max_chars: int = DEFAULT_MAX_CHARS) -> Path:
    """Render the runs under ``dirs`` into one HTML file at ``out_path``; returns its path.

    Args:
        dirs: run directories, or directories whose sub-directories are runs (``runs/``).
        out_path: the HTML file to write (its parent directories are created).
        max_episodes: episodes embedded in the viewer per run × env (× training stage); the
            statistics always use every episode.
        max_chars: longer observations / outputs are cut to this many characters in the viewer.

    Raises:
        ReportError: a directory is not a run or cannot be read, ``out_path`` is a directory, or
            a cap is not a positive integer. Nothing is written then.
    """
    _check_out(out_path)
    return build_report(dirs, max_episodes=max_episodes, max_chars=max_chars).write(out_path)


def _check_out(out_path: str | os.PathLike[str]) -> Path:
    out = Path(out_path)
    if out.is_dir():
        raise ReportError(f"{out} is a directory: give the report a file name, e.g. {out / 'report.html'}")
    return out
