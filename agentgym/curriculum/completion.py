"""Has the current subgoal been completed? The checks that answer at once, cheapest and surest first.

1. **Env signals.** A subgoal that names a rubric criterion is done when the env's
   ``info["rubric"][criterion]`` reaches 1; one that names a score, when ``info["score"]``
   reaches it. The env knows: its answer is final, yes or no.
2. **Matchers.** A subgoal with a command is done when the agent's action is that command
   (case and spacing aside), the env took it (``info["action_valid"]`` is not False), and —
   where the env names its expert's next action for the state the command was played in
   (``info["expert_action"]`` before the step) — that action was this command: a walkthrough's
   "go north" counts when played where the way to the goal goes north, not in any room that has
   a north exit (on TextWorld's coin collector the looser rule paid 4.6 of 5 subgoals an episode
   at ~75% success). Any
   subgoal is done when the env's answer to a valid action holds every content word of the
   subgoal ("take the red key" ⊂ "You take the red key."). A matcher's "no" is not final: the
   agent may have done it in other words.
3. What is left undecided (:data:`UNDECIDED`) goes to the LLM judge, if there is one
   (:mod:`agentgym.curriculum.judge`); without a judge it counts as not done.

The observation matcher needs every content word, including the verb, in the env's answer: the
feedback of a completed action ("You unlock the red door.") has it, a room description that
merely mentions the thing ("You see a red key.") does not. Invalid actions are never matched, so
an env that echoes the command in its error ("I don't understand 'take key'") is not fooled; nor
is one that lists the admissible commands in its answer (``info["admissible_actions"]`` are taken
out of the answer first: every room of TextWorld's coin collector listed "go east" and so
"completed" a "go east" subgoal).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from agentgym.curriculum.subgoals import Subgoal

UNDECIDED = None
STOPWORDS = frozenset("a an the to from in into on onto of at with and then your you it its is are be this that "
                      "for by up".split())
_WORD = re.compile(r"[a-z0-9]+")


def normalize(text: str) -> str:
    """Lower case, single spaces: how commands are compared."""
    return " ".join(text.lower().split())


def content_words(text: str) -> set[str]:
    """The words of ``text`` that carry its meaning (lower case, articles and particles left out)."""
    return {w for w in _WORD.findall(text.lower()) if w not in STOPWORDS}


def env_signal(subgoal: Subgoal, info: Mapping[str, Any]) -> tuple[bool | None, str]:
    """The env's final answer for a subgoal that names a criterion or a score, and which one
    gave it (``"rubric"`` or ``"score"``); ``(None, "")`` when the subgoal names neither or the
    env does not report it."""
    rubric = info.get("rubric")
    if subgoal.criterion is not None and isinstance(rubric, Mapping) and subgoal.criterion in rubric:
        return float(rubric[subgoal.criterion]) >= 1.0, "rubric"
    score = info.get("score")
    if subgoal.score is not None and isinstance(score, (int, float)) and not isinstance(score, bool):
        return float(score) >= subgoal.score, "score"
    return None, ""


def matcher(subgoal: Subgoal, action: str, observation: str, info: Mapping[str, Any], *, observation_matcher: bool = True,
            expert_action: str | None = None) -> str:
    """Which matcher sees the subgoal done by this step: ``"command"``, ``"observation"``, or
    ``""`` for none (module docstring, 2). ``expert_action``: the env's expert action in the
    state the action was played in (None: the env names none, any place counts)."""
    if info.get("action_valid") is False:
        return ""
    if (subgoal.command is not None and normalize(action) == normalize(subgoal.command)
            and (expert_action is None or normalize(expert_action) == normalize(action))):
        return "command"
    wanted = content_words(subgoal.text)
    if observation_matcher and wanted and wanted <= content_words(_without_commands(observation, info)):
        return "observation"
    return ""


def _without_commands(observation: str, info: Mapping[str, Any]) -> str:
    """The env's answer with the admissible commands it lists taken out: "go east" in a list of
    what the agent may do next is not "go east" done."""
    text = observation.lower()
    for command in info.get("admissible_actions") or ():
        if isinstance(command, str) and command.strip():
            text = text.replace(command.lower(), " ")
    return text


def completed(subgoal: Subgoal, action: str, observation: str, info: Mapping[str, Any], *,
              observation_matcher: bool = True, expert_action: str | None = None) -> tuple[bool | None, str]:
    """The immediate answer and what gave it: ``(True, "rubric" | "score" | "command" |
    "observation")``, ``(False, "rubric" | "score")`` (final), or ``(UNDECIDED, "")`` (for the
    judge; not done when there is none). ``info`` is the env's after the step, ``expert_action``
    its expert's action before it (see :func:`matcher`)."""
    signal, source = env_signal(subgoal, info)
    if signal is not None:
        return signal, source
    how = matcher(subgoal, action, observation, info, observation_matcher=observation_matcher, expert_action=expert_action)
    return (True, how) if how else (UNDECIDED, "")
