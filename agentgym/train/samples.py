"""Training samples: episodes cut into the token sequences a trainer computes a loss on.

A :class:`Sample` is one sequence the model reads in one forward pass: its token ids, the loss
mask (1 on agent tokens), the log-probs the tokens were sampled with, the turn each agent token
belongs to, and which episode it came from. Advantages are set per turn later
(:func:`set_advantages`).

* A rollout episode (``concat`` or ``window`` context) already holds its exact tokens
  (DESIGN §2.4): ``concat`` gives one sample per episode, ``window`` one per turn.
* An episode without tokens (an expert's, or any chat data) is tokenised here through the same
  :mod:`agentgym.rollout.tokens` contexts the rollout uses, each action followed by the
  template's end-of-turn token: SFT trains on exactly the token layout the policy will meet
  when it plays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from agentgym.chat import Message
from agentgym.rollout.tokens import ChatTokens, ConcatContext, WindowContext
from agentgym.trajectory.records import Episode, Turn


@dataclass
class Sample:
    """One training sequence; every list has one entry per token."""

    token_ids: list[int]
    loss_mask: list[int]
    logprobs: list[float]
    turn_ids: list[int]  # the turn of each agent token; -1 elsewhere
    episode: int = 0  # index of the episode in the batch it came from
    advantages: list[float] = field(default_factory=list)
    returns: list[float] = field(default_factory=list)  # PPO value targets
    episode_weights: list[float] = field(default_factory=list)  # weights in the batch's turn -> episode mean
    off_policy: bool = False  # sampled under a context it is not trained in (HeRL's guided episodes)

    def __len__(self) -> int:
        return len(self.token_ids)

    @property
    def agent_tokens(self) -> int:
        return sum(self.loss_mask)


def rollout_samples(episode: Episode, index: int = 0) -> list[Sample]:
    """The samples of a rollout episode that recorded its tokens (``concat`` or ``window``)."""
    ids, mask, logprobs = episode.token_ids, episode.loss_mask, episode.logprobs
    if ids is None or mask is None or logprobs is None:
        raise ValueError(f"episode {episode.episode_id} has no tokens: collect with context='concat' or 'window'")
    turn_ids = [-1] * len(ids)
    for k, turn in enumerate(episode.turns):
        turn_ids[turn.token_start:turn.token_end] = [k] * (turn.token_end - turn.token_start)
    if episode.metadata.get("context") != "window":
        return [Sample(list(ids), list(mask), list(logprobs), turn_ids, index)] if episode.turns else []
    samples, low = [], 0
    for turn in episode.turns:
        high = turn.token_end
        samples.append(Sample(list(ids[low:high]), list(mask[low:high]), list(logprobs[low:high]), turn_ids[low:high], index))
        low = high
    return samples


def training_samples(episode: Episode, index: int, tokenizer: Any, *, context: str, window_turns: int,
                     system_prompt: str | None = None) -> list[Sample]:
    """A rollout episode's training samples: its tokens as played (:func:`rollout_samples`), or
    for a HeRL guided episode (``metadata["herl_guided"]``), laid out without its guidance
    (:func:`relaid_samples`) and marked ``off_policy``."""
    if not episode.metadata.get("herl_guided"):
        return rollout_samples(episode, index)
    samples = relaid_samples(episode, tokenizer, episode.metadata["unguided_first_observation"], context=context,
                             window_turns=window_turns, system_prompt=system_prompt, index=index)
    for sample in samples:
        sample.off_policy = True
    return samples


def turn_prompts(episode: Episode) -> list[list[int]]:
    """The exact tokens the policy conditioned on before each turn of a rollout episode: in
    ``concat`` context everything before the turn's generation, in ``window`` context the
    turn's own sample up to its generation."""
    ids = episode.token_ids
    if ids is None:
        raise ValueError(f"episode {episode.episode_id} has no tokens: collect with context='concat' or 'window'")
    window = episode.metadata.get("context") == "window"
    prompts, low = [], 0
    for turn in episode.turns:
        prompts.append(list(ids[low if window else 0:turn.token_start]))
        low = turn.token_end
    return prompts


def demonstration_samples(episode: Episode, tokenizer: Any, *, context: str = "concat", window_turns: int = 4,
                          system_prompt: str | None = None, index: int = 0) -> list[Sample]:
    """Samples of an episode played by a policy without tokens (expert, API model), in the token
    layout a local policy would have produced playing the same turns. Log-probs are 0."""
    end = _end_of_turn_ids(tokenizer)
    outputs = [(list(tokenizer.encode(turn.raw_output, add_special_tokens=False)) + end, None) for turn in episode.turns]
    return _laid_out(episode, outputs, tokenizer, context, window_turns, system_prompt, index)


def relaid_samples(episode: Episode, tokenizer: Any, first_observation: str, *, context: str = "concat",
                   window_turns: int = 4, system_prompt: str | None = None, index: int = 0) -> list[Sample]:
    """A rollout episode laid out again as if its task had read ``first_observation`` (a guided
    episode without its guidance, HeRL): the prompts are rebuilt from the conversation, the
    generated tokens and the log-probs they were sampled with are kept exactly."""
    ids, logprobs = episode.token_ids, episode.logprobs
    if ids is None or logprobs is None:
        raise ValueError(f"episode {episode.episode_id} has no tokens: collect with context='concat' or 'window'")
    outputs = [(list(ids[t.token_start:t.token_end]), list(logprobs[t.token_start:t.token_end])) for t in episode.turns]
    moved = Episode(env_id=episode.env_id, task_id=episode.task_id, seed=episode.seed, first_observation=first_observation,
                    turns=episode.turns)
    return _laid_out(moved, outputs, tokenizer, context, window_turns, system_prompt, index)


def _laid_out(episode: Episode, outputs: Sequence[tuple[list[int], list[float] | None]], tokenizer: Any, context: str,
              window_turns: int, system_prompt: str | None, index: int) -> list[Sample]:
    """The samples of ``episode``'s conversation with the given generated tokens per turn."""
    if context == "concat":
        tokens = ConcatContext(chat=ChatTokens(tokenizer, system_prompt))
        tokens.start(episode.first_observation)
        for k, (turn, (generated, logprobs)) in enumerate(zip(episode.turns, outputs)):
            tokens.add_generation(generated, logprobs)
            if k + 1 < len(episode.turns):
                tokens.add_observation(generated, turn.observation)
        return [_sample(tokens, index)] if episode.turns else []
    if context == "window":
        samples = []
        window = WindowContext(tokenizer=tokenizer, window_turns=window_turns, system_prompt=system_prompt)
        for k, (generated, logprobs) in enumerate(outputs):
            exchanges = [(t.raw_output, t.observation) for t in episode.turns[:k]]
            one = WindowContext(tokenizer=tokenizer)
            one.add_sample(window.prompt(episode.first_observation, exchanges), generated, logprobs)
            sample = _sample(one, index)
            sample.turn_ids = [k if m else -1 for m in sample.loss_mask]
            samples.append(sample)
        return samples
    raise ValueError(f"context must be 'concat' or 'window' for training samples, got {context!r}")


def chat_samples(messages: Sequence[Message], tokenizer: Any, index: int = 0) -> list[Sample]:
    """One sample of a chat conversation (system?, user, (assistant, user)*, assistant?): the
    assistant messages are the agent tokens. Used for SFT on chat data (JSONL / Parquet)."""
    messages = list(messages)
    system = messages[0]["content"] if messages and messages[0].get("role") == "system" else None
    body = messages[1:] if system is not None else messages
    roles = [m.get("role") for m in body]
    if not body or roles[0] != "user" or any(r != ("user" if i % 2 == 0 else "assistant") for i, r in enumerate(roles)):
        raise ValueError(f"a chat sample must alternate user/assistant turns starting with user, got roles {roles}")
    exchanges = [(body[i]["content"], body[i + 1]["content"] if i + 1 < len(body) else "") for i in range(1, len(body), 2)]
    episode = Episode(env_id="chat", task_id="", seed=None, first_observation=body[0]["content"])
    episode.turns = [Turn(raw_output=out, action=out, observation=obs, reward=0.0) for out, obs in exchanges]
    return demonstration_samples(episode, tokenizer, context="concat", system_prompt=system, index=index)


def set_advantages(samples: Sequence[Sample], turn_advantages: Sequence[Sequence[float]],
                   turn_returns: Sequence[Sequence[float]] | None = None) -> None:
    """Spread per-turn values onto the agent tokens: ``turn_advantages[episode][turn]``."""
    for sample in samples:
        values = turn_advantages[sample.episode]
        sample.advantages = [float(values[t]) if t >= 0 else 0.0 for t in sample.turn_ids]
        if turn_returns is not None:
            targets = turn_returns[sample.episode]
            sample.returns = [float(targets[t]) if t >= 0 else 0.0 for t in sample.turn_ids]


def _sample(tokens: ConcatContext | WindowContext, index: int) -> Sample:
    turn_ids, turn, inside = [], -1, False
    for m in tokens.loss_mask:
        if m and not inside:
            turn += 1
        inside = bool(m)
        turn_ids.append(turn if m else -1)
    return Sample(list(tokens.token_ids), list(tokens.loss_mask), list(tokens.logprobs), turn_ids, index)


def _end_of_turn_ids(tokenizer: Any) -> list[int]:
    eos = getattr(tokenizer, "eos_token_id", None)
    if eos is None:
        raise ValueError("the tokenizer names no end-of-sequence token: the model could not learn to end its turn")
    return [int(eos)]
