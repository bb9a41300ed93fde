"""The chat view of an episode: environment text as ``user`` turns, agent output as ``assistant``.

One function builds it, so the :class:`~agentgym.wrappers.ChatView` wrapper, the rollout's
prompts and the chat-JSONL export all show a model the same conversation.
"""

from __future__ import annotations

from collections.abc import Iterable

Message = dict[str, str]


def chat_messages(
    first_observation: str,
    exchanges: Iterable[tuple[str, str]],
    *,
    system_prompt: str | None = None,
) -> list[Message]:
    """The conversation of an episode.

    Args:
        first_observation: the observation returned by ``reset`` (it states the task).
        exchanges: ``(agent_output, next_observation)`` pairs, one per step, in order. The agent
            output is what the model wrote (raw, before action extraction), so a model trained
            on the conversation learns to write it.
        system_prompt: an optional system message put first.

    Returns:
        ``[{"role": ..., "content": ...}, ...]``: system?, user, (assistant, user)*.
    """
    messages: list[Message] = []
    if system_prompt:
        messages.append({"role": "system", "content": system_prompt})
    messages.append({"role": "user", "content": first_observation})
    for agent_output, observation in exchanges:
        messages.append({"role": "assistant", "content": agent_output})
        messages.append({"role": "user", "content": observation})
    return messages
