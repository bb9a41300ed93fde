"""Finding the runs a report shows and loading them into records.

Three kinds of directory hold a trajectory store (``DIR/trajectories/*.parquet``):

- ``agentgym eval`` output: ``manifest.json`` (policy, model, suite, envs; used for labels only);
- ``agentgym run`` output: ``config.json``;
- ``agentgym train`` runs: ``metrics.jsonl`` / ``config.toml``; their episodes carry
  ``metadata["phase"]`` (``eval_before``, ``eval_sft``, ``eval_iter_K``, ``eval_after``, ``rl``).

A bare store (only ``trajectories/``) is a run too. Statistics are always recomputed from the
episodes with :func:`agentgym.trajectory.summary.summarize`; ``summary.json`` files are not read,
so a report never shows numbers its episodes do not support. A directory that is not a run but
whose sub-directories are (``runs/``) stands for those runs.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentgym.config import load_toml
from agentgym.errors import AgentGymError
from agentgym.report.errors import ReportError
from agentgym.report.metrics import LearningCurves, learning_curves, read_metrics
from agentgym.report.store import read_report_episodes
from agentgym.trajectory.reader import TRAJECTORIES_SUBDIR, part_files, read_run_metadata
from agentgym.trajectory.records import Episode
from agentgym.trajectory.summary import final_attempts, summarize

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"
RUN_CONFIG = "config.json"
TRAIN_CONFIG = "config.toml"
METRICS = "metrics.jsonl"


@dataclass
class EpisodeGroup:
    """The episodes of one run on one env (and, for training runs, one stage).

    Attributes:
        env_id: the env the episodes were played on.
        stage: ``""`` for eval/run output; for training runs a label such as ``"after RL"``.
        order: sort key of the stage within the run.
        ranked: whether the group is a leaderboard row (evaluations are; RL training episodes,
            sampled at temperature from a moving policy, are not).
        episodes: the episodes, in writing order.
        summary: :func:`summarize` of the episodes.
    """

    env_id: str
    stage: str
    order: tuple[int, int]
    ranked: bool
    episodes: list[Episode]
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.env_id} · {self.stage}" if self.stage else self.env_id


@dataclass
class Run:
    """One run directory, loaded."""

    label: str
    path: Path
    kind: str  # "eval", "run", "train" or "episodes" (a bare trajectory store)
    policy: str
    model: str | None = None
    suite: str | None = None
    created: str | None = None
    agentgym_version: str | None = None
    envs: list[str] = field(default_factory=list)  # env descriptions for the provenance table
    groups: list[EpisodeGroup] = field(default_factory=list)
    curves: LearningCurves | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def num_episodes(self) -> int:
        return sum(len(g.episodes) for g in self.groups)


def is_run_dir(path: Path) -> bool:
    """Whether ``path`` is a run: it holds a trajectory store, a training run's metrics, an eval manifest or a run config."""
    return any((path / name).exists() for name in (TRAJECTORIES_SUBDIR, METRICS, MANIFEST, RUN_CONFIG))


def find_run_dirs(dirs: list[Path]) -> list[Path]:
    """The run directories ``dirs`` stand for: each one that is a run, else its sub-directories that are.

    Raises:
        ReportError: no directory given, a path is missing or not a directory, or one holds no run.
    """
    if not dirs:
        raise ReportError("no run directory given: pass one or more directories written by agentgym eval, run or train")
    found: list[Path] = []
    for path in dirs:
        if not path.exists():
            raise ReportError(f"{path} does not exist: pass a directory written by agentgym eval, run or train")
        if not path.is_dir():
            raise ReportError(f"{path} is not a directory: pass a directory written by agentgym eval, run or train")
        if is_run_dir(path):
            found.append(path)
            continue
        children = sorted(p for p in path.iterdir() if p.is_dir() and is_run_dir(p))
        if not children:
            raise ReportError(f"{path} holds no run: expected {TRAJECTORIES_SUBDIR}/ (agentgym eval / run output) or "
                              f"{METRICS} (an agentgym train run), in it or in its sub-directories")
        found.extend(children)
    unique: list[Path] = []
    for path in found:  # the same run passed twice (runs/ and runs/a) is shown once
        if path.resolve() not in {p.resolve() for p in unique}:
            unique.append(path)
    return unique


def load_runs(dirs: list[Path], *, full_per_group: int | None = None) -> list[Run]:
    """Every run under ``dirs`` (see :func:`find_run_dirs`), loaded, with unique labels.

    ``full_per_group``: episodes of each group read with their texts (the viewer's); the others
    keep only what the statistics need (:mod:`agentgym.report.store`). None: all in full.
    """
    runs = [load_run(path, full_per_group=full_per_group) for path in find_run_dirs(dirs)]
    _unique_labels(runs)
    return runs


def load_run(path: Path, *, full_per_group: int | None = None) -> Run:
    """One run directory as a :class:`Run` (episodes grouped, statistics recomputed; see :func:`load_runs`)."""
    manifest = _read_json(path / MANIFEST) if (path / MANIFEST).is_file() else None
    config = _read_json(path / RUN_CONFIG) if (path / RUN_CONFIG).is_file() else None
    train_config = _read_toml(path / TRAIN_CONFIG) if (path / TRAIN_CONFIG).is_file() else None
    records = read_metrics(path / METRICS) if (path / METRICS).is_file() else None
    has_store = (path / TRAJECTORIES_SUBDIR).is_dir() and bool(part_files(path))
    episodes = read_report_episodes(path, full_per_group=full_per_group) if has_store else []
    if not episodes and records is None:
        raise ReportError(f"{path} holds no episodes yet ({TRAJECTORIES_SUBDIR}/ is empty) and no {METRICS}: "
                          "nothing to report; pass it again once the run has written episodes")
    if manifest is not None:
        kind = str(manifest.get("kind") or "eval")
    elif records is not None or train_config is not None:
        kind = "train"
    elif config is not None:
        kind = "run"
    else:
        kind = "episodes"
    policies = Counter(e.policy for e in episodes if e.policy)
    run = Run(label=path.resolve().name, path=path, kind=kind,
              policy=_first(manifest, "policy") or _first(config, "policy") or (policies.most_common(1)[0][0] if policies else "")
              or path.resolve().name)
    if manifest is not None:
        run.model = _first(manifest, "model")
        run.suite = _first(manifest, "suite")
        run.created = _first(manifest, "created")
        run.agentgym_version = _first(manifest, "agentgym_version")
        run.envs = [_env_text(env) for env in manifest.get("envs") or [] if isinstance(env, dict)]
    if config is not None and not run.envs and config.get("env"):
        run.envs = [_env_text({"id": config["env"], "kwargs": config.get("env_kwargs") or {}})]
    if train_config is not None:
        model = train_config.get("model") or {}
        run.model = run.model or (str(model["path"]) if model.get("path") else None)
        env = train_config.get("env") or {}
        if env.get("id") and not run.envs:
            run.envs = [_env_text({"id": env["id"], "kwargs": env.get("kwargs") or {}})]
    if records is not None:
        run.curves = learning_curves(records)
        if run.curves.skipped_lines:
            run.notes.append(f"the last line of {METRICS} was cut short (the run was killed while writing it) and is left out")
    entries = [e for e in (manifest or {}).get("envs") or [] if isinstance(e, dict)]
    if kind == "eval":  # one row per suite entry (an id may appear with other arguments); retried errors replaced
        episodes = list(final_attempts(episodes).values())
        run.groups = _group(episodes, [str(e.get("name") or e.get("id")) for e in entries],
                            label=lambda e: e.group_id.rpartition("@")[0] or e.env_id)
    else:
        run.groups = _group(episodes, [str(e.get("id")) for e in entries])
    if not run.envs:
        run.envs = sorted({g.env_id for g in run.groups})
    if run.agentgym_version is None and episodes:
        run.agentgym_version = _store_version(path)
    return run


def _group(episodes: list[Episode], env_order: list[str],
           label: Callable[[Episode], str] = lambda e: e.env_id) -> list[EpisodeGroup]:
    """Episodes by env (``label``: an eval's suite entry name) and training stage, in ``env_order``."""
    groups: dict[tuple[str, str], EpisodeGroup] = {}
    for episode in episodes:
        stage, order, ranked = stage_of(episode.metadata.get("phase"))
        key = (label(episode), stage)
        if key not in groups:
            groups[key] = EpisodeGroup(key[0], stage, order, ranked, [])
        groups[key].episodes.append(episode)
    seen = list(dict.fromkeys([*env_order, *(g.env_id for g in groups.values())]))
    ordered = sorted(groups.values(), key=lambda g: (seen.index(g.env_id), g.order))
    for group in ordered:
        group.summary = summarize(group.episodes)
    return ordered


_ITERATION_EVAL = re.compile(r"eval_iter_(\d+)$")


def stage_of(phase: Any) -> tuple[str, tuple[int, int], bool]:
    """The stage label, sort key and leaderboard flag of a training episode's ``metadata["phase"]``.

    The trainer (agentgym.train.trainer) tags evaluation episodes ``eval_before``, ``eval_sft``,
    ``eval_iter_K`` (periodic, during RL) and ``eval_after``, and training episodes ``rl``.
    Episodes without a phase (eval / run output) have stage ``""``.
    """
    if phase is None or phase == "":
        return "", (0, 0), True
    fixed = {"eval_before": ("before training", (1, 0), True), "eval_sft": ("after SFT", (2, 0), True),
             "eval_after": ("after RL", (4, 0), True), "rl": ("RL training", (5, 0), False)}
    if phase in fixed:
        return fixed[phase]
    match = _ITERATION_EVAL.match(str(phase))
    if match:
        return f"eval at iteration {int(match.group(1))}", (3, int(match.group(1))), False
    return str(phase), (6, 0), False


def _unique_labels(runs: list[Run]) -> None:
    """Runs named alike (``a/run``, ``b/run``) get their parent in the label, then a number."""
    counts = Counter(r.label for r in runs)
    for run in runs:
        if counts[run.label] > 1:
            run.label = f"{run.path.resolve().parent.name}/{run.label}"
    seen: Counter[str] = Counter()
    for run in runs:
        seen[run.label] += 1
        if seen[run.label] > 1:
            run.label = f"{run.label} ({seen[run.label]})"


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(f"{path} is not readable JSON ({exc}): fix or remove it, then run the report again") from None
    if not isinstance(data, dict):
        raise ReportError(f"{path} should hold a JSON object, found {type(data).__name__}")
    return data


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return load_toml(path)
    except AgentGymError as exc:
        raise ReportError(str(exc)) from None


def _first(data: dict[str, Any] | None, key: str) -> str | None:
    value = (data or {}).get(key)
    return None if value is None or value == "" else str(value)


def _env_text(env: dict[str, Any]) -> str:
    kwargs = env.get("kwargs") or {}
    text = str(env.get("id", "?"))
    if kwargs:
        text += " (" + ", ".join(f"{k}={v}" for k, v in sorted(kwargs.items())) + ")"
    seeds = env.get("seeds")
    if isinstance(seeds, list) and seeds:
        text += f", {len(seeds)} seeds"
    return text


def _store_version(path: Path) -> str | None:
    try:
        return read_run_metadata(path)["agentgym_version"]
    except AgentGymError:
        return None
