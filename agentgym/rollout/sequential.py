"""Play episodes one at a time, at the text level, and record them as :class:`Episode` s.

Each turn the policy gets the conversation so far (:func:`agentgym.chat.chat_messages`) and
the env's latest ``info``; the action is extracted from its output
(:func:`agentgym.actions.extract_action`) and stepped. An exception from the env ends the
episode as truncated with the error recorded, instead of ending the run.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import gymnasium
import numpy as np

from agentgym.actions import extract_action
from agentgym.chat import chat_messages
from agentgym.policy import Policy, Request, SamplingParams
from agentgym.rollout.tokens import ChatTokens, ConcatContext
from agentgym.trajectory.records import Episode, Turn
from agentgym.trajectory.schema import to_jsonable


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
        context: ``"text"`` (the policy gets the chat messages) or ``"concat"`` (token-exact:
            the policy gets the episode's exact token sequence as its prompt, and the episode
            records token ids, loss mask and log-probs; needs a policy with a ``tokenizer``,
            see :mod:`agentgym.rollout.tokens`).
    """

    action_format: str = "raw"
    system_prompt: str | None = None
    max_turns: int = 200
    sampling: SamplingParams = field(default_factory=SamplingParams)
    drop_info_keys: tuple[str, ...] = ("admissible_actions",)
    context: str = "text"


def turn_seed(seed: int | None, turn: int) -> int | None:
    """A sampling seed for turn ``turn`` of the episode seeded ``seed`` (None stays None)."""
    if seed is None:
        return None
    return int(np.random.SeedSequence([seed, turn]).generate_state(1)[0])


def run_episode(
    env: gymnasium.Env,
    policy: Policy,
    *,
    env_id: str,
    seed: int | None,
    settings: RunSettings | None = None,
    run_id: str = "",
    group_id: str = "",
) -> Episode:
    """Play one episode of ``env`` with ``policy`` from ``reset(seed=seed)``."""
    settings = settings or RunSettings()
    if settings.context not in ("text", "concat"):
        raise ValueError(f"context must be 'text' or 'concat', got {settings.context!r}")
    tokens = None
    if settings.context == "concat":
        if getattr(policy, "tokenizer", None) is None:
            raise ValueError("the concat context needs a policy with a tokenizer (hf, vllm)")
        tokens = ConcatContext(ChatTokens(policy.tokenizer, settings.system_prompt))
    started, clock = time.time(), time.perf_counter()
    observation, info = env.reset(seed=seed)
    episode = Episode(
        env_id=env_id,
        task_id=str(info.get("task_id", "")),
        seed=seed,
        first_observation=observation,
        run_id=run_id,
        group_id=group_id,
        policy=getattr(policy, "name", type(policy).__name__),
        goal=str(info.get("goal") or ""),
        start_info=_recorded(info, settings.drop_info_keys),
        started_at=started,
    )
    prompt_ids = tokens.start(observation) if tokens is not None else None
    while episode.num_turns < settings.max_turns:
        messages = chat_messages(
            episode.first_observation,
            ((t.raw_output, t.observation) for t in episode.turns),
            system_prompt=settings.system_prompt,
        )
        sampling = dataclasses.replace(settings.sampling, seed=turn_seed(seed, episode.num_turns))
        t0 = time.perf_counter()
        request = Request(messages=messages, info=info, prompt_token_ids=prompt_ids, sampling=sampling)
        generation = policy.generate([request])[0]
        t1 = time.perf_counter()
        parsed = extract_action(generation.text, settings.action_format)
        try:
            observation, reward, terminated, truncated, info = env.step(parsed.action)
        except Exception as exc:  # noqa: BLE001 - a crashed engine ends the episode, not the run
            episode.error = f"{type(exc).__name__}: {exc}"
            episode.truncated = True
            break
        info = {**info, "action_format_valid": parsed.format_valid}
        span = (None, None)
        if tokens is not None:  # after the step: a crashed step leaves no unrecorded tokens
            span = tokens.add_generation(list(generation.token_ids or []), generation.logprobs)
        episode.turns.append(
            Turn(
                raw_output=generation.text,
                action=parsed.action,
                observation=observation,
                reward=float(reward),
                terminated=terminated,
                truncated=truncated,
                info=_recorded(info, settings.drop_info_keys),
                token_start=span[0],
                token_end=span[1],
                policy_seconds=t1 - t0,
                env_seconds=time.perf_counter() - t1,
            )
        )
        if terminated or truncated:
            episode.terminated, episode.truncated = terminated, truncated
            break
        if tokens is not None:
            prompt_ids = tokens.add_observation(list(generation.token_ids or []), observation)
    else:
        episode.truncated = True
    if tokens is not None:
        episode.token_ids, episode.loss_mask, episode.logprobs = tokens.token_ids, tokens.loss_mask, tokens.logprobs
    episode.success = bool(info.get("won", False))
    episode.duration_s = time.perf_counter() - clock
    return episode


def run_episodes(
    make_env: Callable[[], gymnasium.Env],
    policy: Policy,
    *,
    env_id: str,
    episodes: int,
    seed: int,
    settings: RunSettings | None = None,
    run_id: str = "",
) -> Iterator[Episode]:
    """Play ``episodes`` episodes with seeds ``seed``, ``seed + 1``, …, in one env.

    The env is made by ``make_env`` and closed at the end, also when the caller stops early.
    """
    env = make_env()
    try:
        for i in range(episodes):
            yield run_episode(env, policy, env_id=env_id, seed=seed + i, settings=settings, run_id=run_id)
    finally:
        env.close()


def _recorded(info: dict[str, Any], drop: tuple[str, ...]) -> dict[str, Any]:
    return to_jsonable({k: v for k, v in info.items() if k not in drop})
