"""Subgoals: what a teacher gives (ordered steps towards the task's goal, in language), how an
LLM's list of them is read, and how the current one is shown to the agent.

A :class:`Subgoal` is its text plus, where the teacher knows them, the signals that say it is
done: a rubric criterion of the env (``info["rubric"][criterion] >= 1``), a score the env's
``info["score"]`` must reach, or the command that achieves it (an expert's walkthrough step).
Completion detection (:mod:`agentgym.curriculum.completion`) reads them.

Shown to the agent, the current subgoal is one marked line at the end of the observation,
``[subgoal] take the red key`` (:func:`mark`); :func:`strip_mark` takes it off again (what the
env itself said, e.g. to replay an episode).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

MARK = "[subgoal]"
MAX_CHARS = 200  # a subgoal is one short instruction; longer "items" are prose or garbage
_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)
_ITEM = re.compile(r"^\s*(?:\d{1,2}\s*[.):]|[-*\u2022]|step\s*\d{1,2}\s*[.):-]?)\s+(.+?)\s*$", re.IGNORECASE)
_MARKED_LINE = re.compile(r"\n?" + re.escape(MARK) + r" [^\n]*\Z")


@dataclass(frozen=True)
class Subgoal:
    """One step towards the goal.

    Attributes:
        text: the instruction, in language (what the agent is shown).
        criterion: a key of the env's ``info["rubric"]`` that is 1.0 once the subgoal is done.
        score: the env's ``info["score"]`` once the subgoal is done.
        command: an action that achieves it (a walkthrough step).
    """

    text: str
    criterion: str | None = None
    score: float | None = None
    command: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in {"text": self.text, "criterion": self.criterion, "score": self.score,
                                  "command": self.command}.items() if v is not None}


@dataclass
class SubgoalPlan:
    """A teacher's subgoals for one task, and where they came from (``source``: ``rubric``,
    ``reference``, ``llm``, ``fallback:...``, or ``none`` when the teacher had nothing)."""

    subgoals: list[Subgoal] = field(default_factory=list)
    source: str = "none"


def clean_subgoal(text: Any) -> str | None:
    """``text`` as one subgoal (whitespace collapsed, a trailing full stop dropped), or None when
    it is not one: not a string, empty, longer than :data:`MAX_CHARS`, or without a letter."""
    if not isinstance(text, str):
        return None
    text = " ".join(text.split()).rstrip(".").strip()
    if not text or len(text) > MAX_CHARS or not re.search(r"[A-Za-z]", text):
        return None
    return text


def parse_subgoals(text: str, max_subgoals: int = 8) -> list[str]:
    """The ordered subgoals in an LLM's answer: a JSON list of strings or ``{"subgoals": [...]}``
    (alone, in a fenced code block, or after some prose), else the items of a numbered or
    bulleted list (``1. ...``, ``2) ...``, ``- ...``, ``Step 3: ...``). Items that are not
    subgoals (:func:`clean_subgoal`) are skipped, repeats dropped, at most ``max_subgoals`` kept.

    Plain prose is not read as a list: a line without a list marker is not a subgoal, so an
    answer that is garbage stays garbage instead of becoming a "plan".

    Raises:
        ValueError: no subgoal found (the message quotes the start of the answer).
    """
    items = _json_items(text)
    if items is None:
        items = [m.group(1) for m in map(_ITEM.match, text.splitlines()) if m]
    out: list[str] = []
    for item in items:
        cleaned = clean_subgoal(item)
        if cleaned is not None and cleaned.lower() not in (o.lower() for o in out):
            out.append(cleaned)
    if not out:
        raise ValueError(f"no subgoal list in the answer: {text[:200]!r}")
    return out[:max_subgoals]


def _json_items(text: str) -> list[Any] | None:
    decoder = json.JSONDecoder()
    for candidate in [m.group(1) for m in _FENCE.finditer(text)] + [text]:
        for start in [i for i, c in enumerate(candidate) if c in "[{"][:20]:
            try:
                value, _ = decoder.raw_decode(candidate, start)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict) and isinstance(value.get("subgoals"), list):
                return list(value["subgoals"])
            if isinstance(value, list) and any(isinstance(v, str) for v in value):
                return value
    return None


def mark(observation: str, subgoal: str | None) -> str:
    """``observation`` with ``[subgoal] <subgoal>`` as a line of its own after it (unchanged for
    None); :func:`strip_mark` gives ``observation`` back exactly."""
    if subgoal is None:
        return observation
    return f"{observation}\n{MARK} {subgoal}"


def strip_mark(observation: str) -> str:
    """``observation`` without the marked subgoal line :func:`mark` added."""
    return _MARKED_LINE.sub("", observation)
