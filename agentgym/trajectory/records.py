"""Episode and turn records (DESIGN §2.5): what a rollout produces and the store keeps."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from agentgym.chat import Message, chat_messages


@dataclass
class Turn:
    """One agent action and the environment's answer to it.

    Attributes:
        raw_output: what the policy wrote.
        action: the action extracted from it and sent to the env.
        observation: the env's answer (the observation *after* the action).
        reward: the env's own reward for this step.
        terminated, truncated: the step's end flags.
        info: the step's info, reduced to JSON-serialisable values.
        shaped_rewards: extra per-turn reward terms by name (G-RA, IGPO, subgoal bonus, …).
        token_start, token_end: this turn's generated tokens are
            ``episode.token_ids[token_start:token_end]`` (local policies; None otherwise).
        policy_seconds, env_seconds: time spent generating and stepping.
    """

    raw_output: str
    action: str
    observation: str
    reward: float
    terminated: bool = False
    truncated: bool = False
    info: dict[str, Any] = field(default_factory=dict)
    shaped_rewards: dict[str, float] = field(default_factory=dict)
    token_start: int | None = None
    token_end: int | None = None
    policy_seconds: float = 0.0
    env_seconds: float = 0.0


@dataclass
class Episode:
    """One episode: its ids, the first observation, the turns and the outcome.

    ``return_`` (column ``return``) and ``num_turns`` are derived from the turns. For local
    policies, ``token_ids`` is the exact token sequence of the episode, ``loss_mask`` is 1 on
    agent-generated tokens, and ``logprobs`` holds the sampling log-probability of each token
    (0.0 where the mask is 0), stored as float32 as they are produced.
    """

    env_id: str
    task_id: str
    seed: int | None
    first_observation: str
    turns: list[Turn] = field(default_factory=list)
    success: bool = False
    terminated: bool = False
    truncated: bool = False
    error: str | None = None
    episode_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    run_id: str = ""
    group_id: str = ""
    policy: str = ""
    goal: str = ""
    start_info: dict[str, Any] = field(default_factory=dict)
    token_ids: list[int] | None = None
    loss_mask: list[int] | None = None
    logprobs: list[float] | None = None
    started_at: float = 0.0
    duration_s: float = 0.0
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def return_(self) -> float:
        """Sum of the env rewards of the turns."""
        return float(sum(turn.reward for turn in self.turns))

    @property
    def num_turns(self) -> int:
        """Number of actions taken."""
        return len(self.turns)

    def chat(self, system_prompt: str | None = None) -> list[Message]:
        """The episode as chat messages (user: observations, assistant: raw outputs)."""
        return chat_messages(
            self.first_observation,
            ((turn.raw_output, turn.observation) for turn in self.turns),
            system_prompt=system_prompt,
        )
