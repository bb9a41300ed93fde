"""Wrappers that each do one thing (Gymnasium style). :func:`agentgym.make` applies
:class:`NormalizeAction` and :class:`TimeLimit`; the others are opt-in."""

from agentgym.wrappers.chat_view import ChatView
from agentgym.wrappers.extract_action import ExtractAction
from agentgym.wrappers.list_actions import ListActions
from agentgym.wrappers.normalize_action import NormalizeAction
from agentgym.wrappers.time_limit import TimeLimit

__all__ = ["ChatView", "ExtractAction", "ListActions", "NormalizeAction", "TimeLimit"]
