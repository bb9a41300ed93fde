"""IGPO in the trainer (``rl.algo = "igpo"``): the information-gain reward of every turn.

For each episode the policy scores its reference answer after the exact context of each turn
(:func:`agentgym.train.samples.turn_prompts`; all turns of an episode in one batched forward
pass, :func:`agentgym.algos.igpo.answer_probabilities`), and turn ``t < T-1`` gets
``p_{t+1} - p_t`` in ``shaped_rewards["info_gain"]`` (``p_t``: before turn ``t``, so
``p_{t+1}`` includes turn ``t``'s action and the env's answer). The final turn gets no
information gain: its reward is the outcome (:func:`agentgym.train.credit.turn_advantages`).

The reference answer of a task (the reference is the policy's "answer", scored as its next
message, ended by the end-of-turn token): ``info["reference"]`` of the episode's reset, which
the envs give as

* ``toy/*``: the expert's plan (the commands that win the task, joined with "; ");
* ``textworld/*``: TextWorld's winning command sequence from the start, joined likewise;
* ``scienceworld/*`` with ``expert=True``: the gold path, joined likewise;
* ``swe/*``: the task's gold patch (never shown in the observations);
* ALFWorld and NetHack give none yet;
* any env: a user function ``igpo.reference = "module:function"`` (Episode -> str or None).

An episode without a reference gets no information-gain reward (its final turn still carries
the outcome); the trainer counts them in ``igpo/no_reference``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from agentgym.algos.igpo import answer_probabilities, information_gain_rewards
from agentgym.deps import load_attr
from agentgym.trajectory.records import Episode
from agentgym.train.samples import turn_prompts

INFO_GAIN_KEY = "info_gain"


def reference_function(spec: str) -> Callable[[Episode], str | None]:
    """The reference of an episode: the user function ``spec`` (``module:function``) or, when
    ``spec`` is empty, ``info["reference"]`` of the episode's reset."""
    if spec:
        return load_attr(spec)
    return lambda episode: episode.start_info.get("reference") or None


def set_information_gain(episodes: Sequence[Episode], policy: Any, reference_of: Callable[[Episode], str | None],
                         ) -> dict[str, float]:
    """Write each turn's information gain into ``shaped_rewards["info_gain"]`` (not on final
    turns). Returns metrics: the mean probability of the reference before the first turn and
    before the last, the mean gain per turn, and how many episodes had no reference."""
    tokenizer = policy.tokenizer
    end = [int(tokenizer.eos_token_id)] if getattr(tokenizer, "eos_token_id", None) is not None else []
    first, last, gains, missing = [], [], [], 0
    model = policy.model
    was_training = model.training
    model.eval()
    try:
        for episode in episodes:
            reference = reference_of(episode)
            if not reference:
                missing += 1
                continue
            if episode.num_turns < 2:
                continue  # one turn: only the outcome
            reference_ids = list(tokenizer.encode(reference, add_special_tokens=False)) + end
            with torch.no_grad():
                probs = answer_probabilities(model, turn_prompts(episode), reference_ids)
            rewards = information_gain_rewards(probs)  # turn t < T-1: p_{t+1} - p_t
            for turn, reward in zip(episode.turns, rewards):
                turn.shaped_rewards[INFO_GAIN_KEY] = reward
            first.append(probs[0])
            last.append(probs[-1])
            gains += rewards
    finally:
        model.train(was_training)
    metrics = {"igpo/no_reference": float(missing)}
    if first:
        metrics.update({"igpo/p_first": sum(first) / len(first), "igpo/p_last_turn": sum(last) / len(last),
                        "igpo/gain_mean": sum(gains) / len(gains)})
    return metrics
