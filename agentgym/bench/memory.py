"""Resident memory of this process and of the processes it started (a JVM, env workers).

On Linux the figures come from ``/proc``: ``VmRSS`` (resident now) and ``VmHWM`` (the peak,
the kernel's "high water mark") of this process and of every live descendant. Writing ``5``
to ``/proc/self/clear_refs`` resets this process' peak to its current resident size, so the
peak can cover the measurement only instead of the whole process (imports included); where
the kernel refuses, the peak is the process' lifetime peak and :attr:`MemoryFigures.peak_scope`
says so. A descendant's peak is its own lifetime peak: they are started by the measured code.
Processes that have already exited are only known through ``getrusage(RUSAGE_CHILDREN)``, the
peak of the largest one that was waited for, over this process' life. Docker containers belong
to the engine, not to this process, and are not counted. Elsewhere (no ``/proc``), only
``resource`` is read.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")
MIB = 1024 * 1024


@dataclass
class MemoryFigures:
    """Resident memory in MiB.

    Attributes:
        rss_before_mib: this process before the measured work (None without ``/proc``).
        peak_rss_mib: this process' peak; over the measured work when ``peak_scope`` is
            ``"bench"``, over the process' life when it is ``"process"``.
        peak_scope: see ``peak_rss_mib``.
        children: live descendant processes seen while measuring.
        children_peak_rss_mib: the sum of their peaks (each process' own ``VmHWM``).
        finished_child_max_rss_mib: the largest peak of a child that exited and was waited for,
            over this process' life (``RUSAGE_CHILDREN``); compilers, short helpers.
        source: ``"/proc"`` or ``"resource"``.
    """

    rss_before_mib: float | None
    peak_rss_mib: float
    peak_scope: str
    children: int
    children_peak_rss_mib: float
    finished_child_max_rss_mib: float
    source: str


@dataclass
class MemoryProbe:
    """Follows this process and its descendants: :meth:`start` before the work, :meth:`sample`
    while descendants are alive (before ``close()`` stops them), :meth:`figures` at the end."""

    rss_before_mib: float | None = None
    peak_scope: str = "process"
    _children_peaks: dict[int, float] = field(default_factory=dict)

    def start(self) -> None:
        self.rss_before_mib = _status_mib(os.getpid(), "VmRSS")
        self.peak_scope = "bench" if _reset_peak() else "process"

    def sample(self) -> None:
        """Record the peak of every live descendant (a later sample keeps the larger)."""
        for pid in descendants(os.getpid()):
            peak = _status_mib(pid, "VmHWM")
            if peak is not None:
                self._children_peaks[pid] = max(peak, self._children_peaks.get(pid, 0.0))

    def figures(self) -> MemoryFigures:
        self.sample()
        peak = _status_mib(os.getpid(), "VmHWM")
        source = "/proc"
        if peak is None:
            peak, source = _self_maxrss_mib(), "resource"
        return MemoryFigures(rss_before_mib=self.rss_before_mib, peak_rss_mib=peak, peak_scope=self.peak_scope,
                             children=len(self._children_peaks), children_peak_rss_mib=sum(self._children_peaks.values()),
                             finished_child_max_rss_mib=_children_maxrss_mib(), source=source)


def descendants(root: int) -> list[int]:
    """Process ids of the live descendants of ``root`` (from the parent ids in ``/proc/*/stat``)."""
    children: dict[int, list[int]] = {}
    try:
        entries = [p for p in PROC.iterdir() if p.name.isdigit()]
    except OSError:
        return []
    for entry in entries:
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        # the command name sits in parentheses and may itself hold spaces or ')': split after the last one
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 1:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], list(children.get(root, []))
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return sorted(found)


def _status_mib(pid: int, key: str) -> float | None:
    try:
        text = (PROC / str(pid) / "status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024 / MIB  # the kernel writes kB
    return None  # a zombie has no memory lines


def _reset_peak() -> bool:
    try:
        (PROC / "self" / "clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _maxrss_mib(who: int) -> float:
    import resource

    value = resource.getrusage(who).ru_maxrss
    return value / MIB if sys.platform == "darwin" else value * 1024 / MIB  # bytes on macOS, KiB elsewhere


def _self_maxrss_mib() -> float:
    import resource

    return _maxrss_mib(resource.RUSAGE_SELF)


def _children_maxrss_mib() -> float:
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    return _maxrss_mib(resource.RUSAGE_CHILDREN)
