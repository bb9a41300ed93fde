"""Action normalisation and extraction (pure functions) and the wrappers built on them."""

from __future__ import annotations

import json

import pytest

import agentgym
from agentgym.actions import extract_action, normalize_action
from agentgym.wrappers import ChatView, ExtractAction, NormalizeAction


def test_normalize_strips_and_collapses_whitespace():
    assert normalize_action("  go \n\t north  ") == ("go north", False)
    assert normalize_action("") == ("", False)


def test_normalize_caps_length_and_says_so():
    action, cut = normalize_action("x" * 5000, max_length=100)
    assert action == "x" * 100 and cut
    assert normalize_action("y" * 5000, max_length=None) == ("y" * 5000, False)


@pytest.mark.parametrize(
    "text, fmt, action, valid",
    [
        ("I think.\n<action>take key</action>", "tag", "take key", True),
        ("<action>a</action> then <ACTION> b </ACTION>", "tag", "b", True),  # the last tag wins
        ("<action>go\nnorth</action>", "tag", "go\nnorth", True),
        ("no tag here\ngo north", "tag", "go north", False),  # fallback: last line, flagged
        ('{"action": "look"}', "json", "look", True),
        ('Plan: {"name": "act", "arguments": {"action": "go east"}}', "json", "go east", True),
        ('{"name": "act", "arguments": "{\\"action\\": \\"go west\\"}"}', "json", "go west", True),
        ('{"tool_calls": [{"function": {"name": "act", "arguments": {"action": "open door"}}}]}', "json", "open door", True),
        ('{"action": "first"} and later {"action": "second"}', "json", "second", True),
        ("{broken json", "json", "{broken json", False),
        ("thinking...\n\ngo south\n\n", "last_line", "go south", True),
        ("  whole output  ", "raw", "whole output", True),
        ("<action>tag</action>", "auto", "tag", True),
        ('{"action": "json"}', "auto", "json", True),
        ("just text\nlook", "auto", "look", True),
        ("", "auto", "", True),
    ],
)
def test_extract_action(text, fmt, action, valid):
    parsed = extract_action(text, fmt)
    assert (parsed.action, parsed.format_valid) == (action, valid)


def test_extract_action_custom_tag_and_key():
    assert extract_action("<cmd>look</cmd>", "tag", tag="cmd").action == "look"
    assert extract_action('{"command": "look"}', "json", json_key="command").action == "look"


def test_extract_action_survives_hostile_input():
    assert extract_action("[" * 20_000, "json").format_valid is False
    assert extract_action("{" * 20_000 + "x", "auto").action.endswith("x")
    big = json.dumps({"action": "look", "pad": "z" * 100_000})
    assert extract_action(big, "json").action == "look"


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown action format"):
        extract_action("x", "xml")
    with pytest.raises(ValueError, match="unknown action format"):
        ExtractAction(agentgym.make("toy/keys-v0"), "xml")


def test_normalize_wrapper_reports_truncation_to_the_env_and_info():
    env = NormalizeAction(agentgym.make("toy/keys-v0", max_action_length=None), max_length=9)
    env.reset(seed=0)
    obs, _, _, _, info = env.step("   inventory   and a lot more text")
    assert info["action_truncated"] is True
    assert "carry" in obs  # "inventory" survived the cut, and reached the game
    _, _, _, _, info = env.step("look")
    assert info["action_truncated"] is False


def test_normalize_wrapper_refuses_non_strings_and_bad_caps():
    env = agentgym.make("toy/keys-v0")
    env.reset(seed=0)
    with pytest.raises(TypeError):
        env.step(7)
    with pytest.raises(ValueError):
        NormalizeAction(env, max_length=0)


def test_time_limit_refuses_bad_limits():
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="max_episode_steps"):
            agentgym.make("toy/keys-v0", max_episode_steps=bad)


def test_chat_view_records_raw_outputs_and_observations():
    env = ChatView(agentgym.make("toy/keys-v0", action_format="tag"), system_prompt="You are an agent.")
    assert env.messages == []
    first, info = env.reset(seed=2)
    raw = f"<action>{info['expert_action']}</action>"
    obs, *_ = env.step(raw)
    assert env.messages == [
        {"role": "system", "content": "You are an agent."},
        {"role": "user", "content": first},
        {"role": "assistant", "content": raw},
        {"role": "user", "content": obs},
    ]
    env.reset(seed=3)
    assert len(env.messages) == 2  # a new episode starts a new conversation


def test_list_actions_appends_the_admissible_actions_and_leaves_the_rest_alone():
    plain = agentgym.make("toy/keys-v0", num_rooms=3, num_locks=1)
    listed = agentgym.make("toy/keys-v0", num_rooms=3, num_locks=1, list_actions=True)
    observation, info = listed.reset(seed=4)
    base, _ = plain.reset(seed=4)
    assert observation == f"{base.rstrip()}\n\nAdmissible actions: {', '.join(info['admissible_actions'])}."
    action = info["expert_action"]
    step_listed, step_plain = listed.step(action), plain.step(action)
    assert step_listed[0].startswith(step_plain[0].rstrip()) and step_listed[0].endswith(
        ", ".join(step_listed[4]["admissible_actions"]) + ".")
    assert step_listed[1:4] == step_plain[1:4]  # reward and flags untouched
    plain.close()
    listed.close()
    from agentgym.wrappers import ListActions

    no_list = ListActions(agentgym.make("toy/keys-v0"))
    assert no_list._with_actions("You see nothing.", {"admissible_actions": None}) == "You see nothing."
    assert no_list._with_actions("You see nothing.", {"admissible_actions": []}) == "You see nothing."
    no_list.close()
