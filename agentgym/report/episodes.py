"""The episodes a report embeds for its viewer, and how they are embedded safely.

Only what an agent saw and did goes in: observations, raw model outputs, actions, rewards,
whether each action was valid, and the outcome. Never ``start_info`` or turn ``info``: they hold
gold data (``info["reference"]`` is the SWE env's gold patch, the toy env's plan; ``expert_action``
the next expert step), which a report shared with others must not leak.

What is embedded is capped, so a report of 10,000 episodes stays small: the first
``max_episodes`` episodes of each run × env (× stage), and each text field at ``max_chars``
characters. The page says where a cap applied.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from agentgym.report.runs import EpisodeGroup, Run
from agentgym.trajectory.records import Episode, Turn

DEFAULT_MAX_CHARS = 20_000


@dataclass
class EmbedStats:
    """What the caps left out, for the page to say."""

    groups_capped: int = 0
    episodes_left_out: int = 0
    texts_clipped: int = 0


def viewer_data(runs: list[Run], *, max_episodes: int, max_chars: int = DEFAULT_MAX_CHARS) -> tuple[dict[str, Any], EmbedStats]:
    """The viewer's data: runs → groups → the first ``max_episodes`` episodes of each group."""
    stats = EmbedStats()
    clip = _Clipper(max_chars, stats)
    data = {"max_episodes": max_episodes, "max_chars": max_chars, "runs": []}
    for run in runs:
        groups = []
        for group in run.groups:
            shown = group.episodes[:max_episodes]
            if len(shown) < len(group.episodes):
                stats.groups_capped += 1
                stats.episodes_left_out += len(group.episodes) - len(shown)
            groups.append(_group(group, shown, clip))
        data["runs"].append({"label": run.label, "policy": run.policy, "groups": groups})
    return data, stats


def embed_json(data: Any) -> str:
    """``data`` as JSON text that is safe inside ``<script type="application/json">``.

    ``<``, ``>`` and ``&`` become ``\\u003c``, ``\\u003e``, ``\\u0026``: they occur only inside
    JSON strings, where these escapes mean the same characters, and without them an observation
    holding ``</script>`` or ``<!--`` would end or derail the script element.
    """
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _group(group: EpisodeGroup, shown: list[Episode], clip: _Clipper) -> dict[str, Any]:
    return {"name": group.name, "env": group.env_id, "stage": group.stage, "total": len(group.episodes),
            "episodes": [_episode(e, clip) for e in shown]}


def _episode(e: Episode, clip: _Clipper) -> dict[str, Any]:
    return {
        "id": e.episode_id, "task": e.task_id, "seed": e.seed, "goal": clip(e.goal),
        "success": bool(e.success), "return": _finite(e.return_), "turns": e.num_turns,
        "terminated": bool(e.terminated), "truncated": bool(e.truncated), "error": clip(e.error) if e.error else None,
        "first": clip(e.first_observation), "steps": [_turn(t, clip) for t in e.turns],
    }


def _turn(t: Turn, clip: _Clipper) -> dict[str, Any]:
    step: dict[str, Any] = {"a": clip(t.action), "o": clip(t.observation), "r": _finite(t.reward)}
    if t.raw_output != t.action:  # most scripted outputs are the action itself: do not store it twice
        step["m"] = clip(t.raw_output)
    if "action_valid" in t.info:
        step["v"] = bool(t.info["action_valid"])
    shaped = {k: _finite(v) for k, v in t.shaped_rewards.items()}
    if shaped:
        step["s"] = shaped
    return step


class _Clipper:
    """Cuts texts longer than ``max_chars``, saying how much was cut, and counts the cuts."""

    def __init__(self, max_chars: int, stats: EmbedStats) -> None:
        self.max_chars, self.stats = max_chars, stats

    def __call__(self, text: str | None) -> str:
        text = text or ""
        if len(text) <= self.max_chars:
            return text
        self.stats.texts_clipped += 1
        return text[: self.max_chars] + f"\n… [{len(text) - self.max_chars:,} more characters not shown in this report]"


def _finite(value: float) -> float | None:
    # JSON has no NaN or Infinity, and JSON.parse rejects them
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None
