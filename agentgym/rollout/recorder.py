"""One episode in progress: what the policy is asked next, and the record of what happened.

The sequential loop and the batched collector drive episodes the same way through this class:
``begin`` with the reset's result, then repeatedly ``request()`` → the policy's generation →
the env's step → ``record(...)``, until ``done``; ``finish()`` returns the :class:`Episode`.
In the ``concat`` and ``window`` contexts it also keeps the token-exact samples
(:mod:`agentgym.rollout.tokens`).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from agentgym.actions import ParsedAction, extract_action
from agentgym.chat import chat_messages
from agentgym.policy import Generation, Request, SamplingParams
from agentgym.rollout.tokens import ChatTokens, ConcatContext, WindowContext
from agentgym.trajectory.records import Episode, Turn
from agentgym.trajectory.schema import to_jsonable

CONTEXTS = ("text", "concat", "window")


@dataclass
class RunSettings:
    """How episodes are played.

    Attributes:
        action_format: how actions are extracted from policy output (``raw`` for scripted
            policies; ``tag``, ``json``, ``last_line``, ``auto`` for models).
        system_prompt: a system message put before the first observation.
        max_turns: a turn cap of the loop itself (the env's time limit usually ends first).
        sampling: sampling settings sent with every request (its seed is set per turn).
        drop_info_keys: ``info`` keys not recorded in the turns (bulky lists).
        context: ``"text"`` (the policy gets the chat messages), ``"concat"`` (token-exact: the
            policy gets the episode's exact token sequence as its prompt) or ``"window"``
            (token-exact: each turn is its own sample, the task and the last ``window_turns``
            exchanges). The token contexts record token ids, loss mask and log-probs and need a
            policy with a ``tokenizer``; see :mod:`agentgym.rollout.tokens`.
        max_tokens: ``concat`` only: the episode ends (truncated) once its sequence is this long.
        window_turns: ``window`` only: how many past exchanges each prompt shows.
    """

    action_format: str = "raw"
    system_prompt: str | None = None
    max_turns: int = 200
    sampling: SamplingParams = field(default_factory=SamplingParams)
    drop_info_keys: tuple[str, ...] = ("admissible_actions",)
    context: str = "text"
    max_tokens: int | None = None
    window_turns: int = 4


def turn_seed(seed: int | None, turn: int) -> int | None:
    """A sampling seed for turn ``turn`` of the episode seeded ``seed`` (None stays None)."""
    if seed is None:
        return None
    return int(np.random.SeedSequence([seed, turn]).generate_state(1)[0])


def check_settings(settings: RunSettings, policy: Any) -> None:
    """Refuse settings the policy cannot serve, before any env starts."""
    if settings.context not in CONTEXTS:
        raise ValueError(f"context must be one of {CONTEXTS}, got {settings.context!r}")
    if settings.context != "text" and getattr(policy, "tokenizer", None) is None:
        raise ValueError(f"the {settings.context} context needs a policy with a tokenizer (hf, vllm)")


class EpisodeRecorder:
    """The state of one episode between the policy and the env.

    With ``guidance``, the policy sees ``guidance + "\n\n" + the reset's observation`` as the
    task, and that is the episode's ``first_observation`` (so its tokens match its
    conversation); ``metadata["guidance"]`` and ``metadata["unguided_first_observation"]`` keep
    the parts, so a trainer can lay the episode out without the guidance
    (:func:`agentgym.train.samples.relaid_samples`)."""

    def __init__(self, *, env_id: str, seed: int | None, policy: Any, settings: RunSettings,
                 run_id: str = "", group_id: str = "", sampling_seed: int | None = None, guidance: str | None = None,
                 options: dict[str, Any] | None = None) -> None:
        self.env_id, self.seed, self.settings = env_id, seed, settings
        self.options = options
        self.guidance = guidance
        self.sampling_seed = seed if sampling_seed is None else sampling_seed
        self.policy_name = getattr(policy, "name", type(policy).__name__)
        self.run_id, self.group_id = run_id, group_id
        self.tokens: ConcatContext | WindowContext | None = None
        if settings.context == "concat":
            self.tokens = ConcatContext(chat=ChatTokens(policy.tokenizer, settings.system_prompt))
        elif settings.context == "window":
            self.tokens = WindowContext(tokenizer=policy.tokenizer, window_turns=settings.window_turns,
                                        system_prompt=settings.system_prompt)
        self.episode: Episode | None = None
        self.done = False
        self.info: dict[str, Any] = {}
        self._prompt_ids: list[int] | None = None
        self._clock = 0.0
        self._pending: tuple[Generation, ParsedAction, float] | None = None

    def begin(self, observation: str, info: dict[str, Any]) -> None:
        """Start from the reset's observation and info."""
        self._clock = time.perf_counter()
        self.info = info
        unguided = observation
        if self.guidance:
            observation = f"{self.guidance}\n\n{observation}"
        self.episode = Episode(
            env_id=self.env_id, task_id=str(info.get("task_id", "")), seed=self.seed, first_observation=observation,
            run_id=self.run_id, group_id=self.group_id, policy=self.policy_name, goal=str(info.get("goal") or ""),
            start_info=_recorded(info, self.settings.drop_info_keys), started_at=time.time(),
        )
        if self.guidance:
            self.episode.metadata.update(guidance=self.guidance, unguided_first_observation=unguided)
        if self.options:  # what reset was given besides the seed (a curriculum's task): replays need it
            self.episode.metadata["reset_options"] = to_jsonable(self.options)
        if isinstance(self.tokens, ConcatContext):
            self._prompt_ids = self.tokens.start(observation)
        if self.settings.max_turns <= 0:
            self._end(truncated=True)

    def failed_start(self, error: str) -> None:
        """Record that the reset failed: the episode has no turns and ends truncated with ``error``."""
        self.begin("", {})
        self.abort(error)

    def abort(self, error: str) -> None:
        """End the episode now, truncated with ``error`` (e.g. the policy failed on its request)."""
        self._pending = None
        self.episode.error = error
        self._end(truncated=True)

    def request(self) -> Request:
        """The policy's next request (the conversation, or the exact token prompt)."""
        episode = self.episode
        exchanges = [(t.raw_output, t.observation) for t in episode.turns]
        messages = chat_messages(episode.first_observation, exchanges, system_prompt=self.settings.system_prompt)
        sampling = dataclasses.replace(self.settings.sampling, seed=turn_seed(self.sampling_seed, episode.num_turns))
        if isinstance(self.tokens, WindowContext):
            self._prompt_ids = self.tokens.prompt(episode.first_observation, exchanges)
        return Request(messages=messages, info=self.info, prompt_token_ids=self._prompt_ids, sampling=sampling)

    def act(self, generation: Generation, policy_seconds: float) -> str | None:
        """Take the policy's generation; returns the action to step, or None when the generation
        failed (``generation.error``: the episode is then over, truncated with the error)."""
        usage = self.episode.metadata.setdefault("usage", {"prompt_tokens": 0, "completion_tokens": 0, "cost_usd": 0.0})
        usage["prompt_tokens"] += generation.prompt_tokens
        usage["completion_tokens"] += generation.completion_tokens or len(generation.token_ids or [])
        usage["cost_usd"] += generation.cost_usd
        if generation.error is not None:
            self.abort(f"policy: {generation.error}")
            return None
        parsed = extract_action(generation.text, self.settings.action_format)
        self._pending = (generation, parsed, policy_seconds)
        return parsed.action

    def record(self, result: tuple | None, env_seconds: float, error: str | None = None) -> None:
        """The env's step result ``(obs, reward, terminated, truncated, info)``, or ``error``
        when the step failed (the episode then ends truncated with the error recorded)."""
        generation, parsed, policy_seconds = self._pending
        self._pending = None
        if error is not None or result is None:
            self.episode.error = error or "the env gave no result"
            self._end(truncated=True)
            return
        observation, reward, terminated, truncated, info = result
        info = {**info, "action_format_valid": parsed.format_valid}
        self.info = info
        span = (None, None)  # tokens are added after the step: a failed step leaves none unrecorded
        if isinstance(self.tokens, ConcatContext):
            span = self.tokens.add_generation(list(generation.token_ids or []), generation.logprobs)
        elif isinstance(self.tokens, WindowContext):
            span = self.tokens.add_sample(self._prompt_ids, list(generation.token_ids or []), generation.logprobs)
        self.episode.turns.append(Turn(
            raw_output=generation.text, action=parsed.action, observation=observation, reward=float(reward),
            terminated=bool(terminated), truncated=bool(truncated), info=_recorded(info, self.settings.drop_info_keys),
            token_start=span[0], token_end=span[1], policy_seconds=policy_seconds, env_seconds=env_seconds,
        ))
        if terminated or truncated:
            self._end(terminated=bool(terminated), truncated=bool(truncated))
        elif self.episode.num_turns >= self.settings.max_turns:
            self._end(truncated=True)
        elif isinstance(self.tokens, ConcatContext):
            self._prompt_ids = self.tokens.add_observation(list(generation.token_ids or []), observation)
            if self.settings.max_tokens is not None and len(self._prompt_ids) >= self.settings.max_tokens:
                self._end(truncated=True)

    def _end(self, terminated: bool = False, truncated: bool = False) -> None:
        self.episode.terminated, self.episode.truncated = terminated, truncated
        self.done = True

    def finish(self) -> Episode:
        """The finished episode, with its totals and (``concat``) its tokens."""
        episode = self.episode
        if self.tokens is not None:
            episode.token_ids, episode.loss_mask, episode.logprobs = self.tokens.token_ids, self.tokens.loss_mask, self.tokens.logprobs
        if isinstance(self.tokens, WindowContext):
            episode.metadata.update(context="window", window_turns=self.tokens.window_turns)
        episode.success = bool(self.info.get("won", False))
        episode.metadata["sampling_seed"] = self.sampling_seed
        episode.duration_s = time.perf_counter() - self._clock
        return episode


def _recorded(info: dict[str, Any], drop: tuple[str, ...]) -> dict[str, Any]:
    return to_jsonable({k: v for k, v in info.items() if k not in drop})
