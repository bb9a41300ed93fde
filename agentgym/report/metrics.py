"""A training run's ``metrics.jsonl`` read into learning curves.

The trainer (agentgym.train.logger) appends one JSON object per logged step: ``phase``
(``"sft"``, ``"rl"``, ``"eval"``), ``step`` (the epoch, or the RL iteration) and the metrics.
RL records carry ``train/success_rate`` and ``train/mean_return`` of the episodes sampled in that
iteration; eval records carry ``<key>/success_rate``, ``<key>/success_se``, ``<key>/mean_return``
and ``<key>/episodes`` for ``key`` in ``eval_before``, ``eval_sft``, ``eval_iter_K``, ``eval_after``,
with ``step`` the RL iteration they were measured at.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentgym.report.errors import ReportError

logger = logging.getLogger(__name__)

EVAL_LABELS = {"eval_before": "before training", "eval_sft": "after SFT", "eval_after": "after RL"}


@dataclass
class EvalPoint:
    """One held-out evaluation of a training run."""

    key: str  # "eval_before", "eval_sft", "eval_iter_K", "eval_after"
    label: str
    step: int
    success_rate: float | None
    success_se: float | None
    mean_return: float | None
    episodes: int | None


@dataclass
class LearningCurves:
    """Per-iteration RL statistics and the evaluations, in step order."""

    steps: list[int] = field(default_factory=list)
    success: list[float | None] = field(default_factory=list)
    returns: list[float | None] = field(default_factory=list)
    evals: list[EvalPoint] = field(default_factory=list)
    skipped_lines: int = 0

    @property
    def empty(self) -> bool:
        return not self.steps and not self.evals


def read_metrics(path: Path) -> list[dict[str, Any]]:
    """The records of ``metrics.jsonl``.

    A last line cut short (the trainer was killed while writing it) is skipped with a warning;
    a bad line anywhere else means the file is not a metrics log.

    Raises:
        ReportError: a line before the last is not a JSON object with ``phase`` and ``step``.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportError(f"cannot read {path}: {exc}") from None
    numbered = [(number, line) for number, line in enumerate(lines, start=1) if line.strip()]
    records = []
    for position, (number, line) in enumerate(numbered):
        try:
            record = json.loads(line)
            if not isinstance(record, dict) or "phase" not in record or "step" not in record:
                raise ValueError("not a JSON object with 'phase' and 'step'")
        except ValueError as exc:
            if position == len(numbered) - 1:
                logger.warning("%s: skipping its last line, cut short (%s)", path, exc)
                records.append({"phase": "_skipped", "step": 0})
                continue
            raise ReportError(f"{path}, line {number}: {exc}. Each line must be one JSON object with "
                                   "'phase' and 'step', as agentgym train writes them") from None
        records.append(record)
    return records


def learning_curves(records: list[dict[str, Any]]) -> LearningCurves:
    """The RL curve (``train/success_rate``, ``train/mean_return`` per iteration) and the eval points.

    A resumed run may log a step again; the last record of a step wins.
    """
    curves = LearningCurves(skipped_lines=sum(r.get("phase") == "_skipped" for r in records))
    rl: dict[int, dict[str, Any]] = {}
    evals: dict[str, EvalPoint] = {}
    for record in records:
        step = _int(record.get("step"))
        if step is None:
            continue
        if record.get("phase") == "rl":
            rl[step] = record
        elif record.get("phase") == "eval":
            for key in {k.split("/", 1)[0] for k in record if "/" in k}:
                evals[key] = EvalPoint(
                    key=key, label=EVAL_LABELS.get(key, key.replace("eval_iter_", "eval at iteration ")), step=step,
                    success_rate=_number(record.get(f"{key}/success_rate")),
                    success_se=_number(record.get(f"{key}/success_se")),
                    mean_return=_number(record.get(f"{key}/mean_return")),
                    episodes=_int(record.get(f"{key}/episodes")))
    for step in sorted(rl):
        curves.steps.append(step)
        curves.success.append(_number(rl[step].get("train/success_rate")))
        curves.returns.append(_number(rl[step].get("train/mean_return")))
    order = {"eval_before": 0, "eval_sft": 1, "eval_after": 3}
    curves.evals = sorted(evals.values(), key=lambda p: (p.step, order.get(p.key, 2)))
    return curves


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _int(value: Any) -> int | None:
    number = _number(value)
    return None if number is None else int(number)
