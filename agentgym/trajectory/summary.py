"""Summary statistics of a set of episodes (what ``agentgym run`` prints and saves)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from agentgym.trajectory.records import Episode

# the SWE episode metrics G-RA reports (Sun et al. 2025): the share of episodes whose last turn's
# info flag is true, over episodes that report it
SWE_RATES = {"completion_rate": "completed", "modification_rate": "modified_repo", "resolution_rate": "resolved"}


def summarize(episodes: Sequence[Episode]) -> dict[str, Any]:
    """Aggregate outcome statistics.

    Returns:
        ``episodes``; ``success_rate`` with its standard error ``success_se``
        (sqrt(p(1-p)/n), the binomial standard error); ``mean_return``; ``mean_turns``;
        ``valid_action_rate`` (share of turns whose ``info["action_valid"]`` was true, over
        turns that report it; None if none do); ``errors`` (episodes ended by an env error);
        ``truncated``; ``wall_seconds`` (sum of episode durations); ``tokens_in``,
        ``tokens_out`` and ``cost_usd`` (sums of the policy's usage, recorded per episode in
        ``metadata["usage"]``: prompt tokens, generated tokens, API cost); and where episodes report
        them (SWE), ``completion_rate`` (submitted), ``modification_rate`` (changed the
        repository) and ``resolution_rate`` (the hidden tests pass), from the last turn's info.
    """
    n = len(episodes)
    if n == 0:
        return {"episodes": 0, "success_rate": None, "success_se": None, "mean_return": None, "mean_turns": None,
                "valid_action_rate": None, "errors": 0, "truncated": 0, "wall_seconds": 0.0,
                "tokens_in": 0, "tokens_out": 0, "cost_usd": 0.0}
    p = sum(e.success for e in episodes) / n
    flags = [t.info["action_valid"] for e in episodes for t in e.turns if "action_valid" in t.info]
    rates = {}
    for name, key in SWE_RATES.items():
        reported = [bool(e.turns[-1].info[key]) for e in episodes if e.turns and key in e.turns[-1].info]
        if reported:
            rates[name] = sum(reported) / len(reported)
    return {
        "episodes": n,
        "success_rate": p,
        "success_se": math.sqrt(p * (1 - p) / n),
        "mean_return": sum(e.return_ for e in episodes) / n,
        "mean_turns": sum(e.num_turns for e in episodes) / n,
        "valid_action_rate": (sum(bool(f) for f in flags) / len(flags)) if flags else None,
        "errors": sum(e.error is not None for e in episodes),
        "truncated": sum(e.truncated for e in episodes),
        "wall_seconds": sum(e.duration_s for e in episodes),
        "tokens_in": sum(_usage(e, "prompt_tokens") for e in episodes),
        "tokens_out": sum(_usage(e, "completion_tokens") for e in episodes),
        "cost_usd": sum(_usage(e, "cost_usd") for e in episodes),
        **rates,
    }


def _usage(episode: Episode, key: str) -> float:
    return episode.metadata.get("usage", {}).get(key, 0)


def final_attempts(episodes: Sequence[Episode]) -> dict[str, Episode]:
    """One episode per ``group_id``, for stores whose group id names one task attempt
    (``agentgym eval``'s ``ENTRY@SEED``): in writing order, a later episode replaces an earlier
    one that ended with an error (a run resumed with ``--retry-errors``); otherwise the first stays."""
    final: dict[str, Episode] = {}
    for episode in episodes:
        previous = final.get(episode.group_id)
        if previous is None or previous.error is not None:
            final[episode.group_id] = episode
    return final
