"""Scripted policies, the policy registry, and the sequential episode loop."""

from __future__ import annotations

import pytest

import agentgym
from agentgym import Generation, PolicyError, Request, SamplingParams, TextEnv
from agentgym.policy import POLICY_ENTRY_POINTS, Policy, make_policy, register_policy
from agentgym.rollout import RunSettings, run_episode, run_episodes, turn_seed


def test_policy_names_resolve_and_unknown_names_suggest():
    assert isinstance(make_policy("random", seed=0), Policy)
    assert make_policy("expert").name == "expert"
    with pytest.raises(PolicyError, match="random"):
        make_policy("rando")
    with pytest.raises(PolicyError, match="non-empty"):
        make_policy("")


def test_registered_kind_receives_its_argument():
    class Echo:
        name = "echo"

        def __init__(self, text, seed=None):
            self.text = text

        def generate(self, requests):
            return [Generation(text=self.text) for _ in requests]

    register_policy("echo", Echo)
    try:
        policy = make_policy("echo:go north", seed=1)
        assert policy.generate([Request(messages=[])]) == [Generation(text="go north")]
    finally:
        POLICY_ENTRY_POINTS.pop("echo")
    with pytest.raises(PolicyError):
        register_policy("bad:kind", Echo)


def test_random_policy_is_reproducible_per_request_seed_whatever_the_batch():
    actions = [f"a{i}" for i in range(50)]
    requests = [Request(messages=[], info={"admissible_actions": actions}, sampling=SamplingParams(seed=s)) for s in range(20)]
    forward = [g.text for g in make_policy("random").generate(requests)]
    backward = [g.text for g in make_policy("random").generate(requests[::-1])][::-1]
    assert forward == backward
    assert len(set(forward)) > 5 and set(forward) <= set(actions)


def test_scripted_policies_fall_back_when_the_env_offers_nothing():
    request = Request(messages=[], info={})
    assert make_policy("random", fallback="wait").generate([request])[0].text == "wait"
    assert make_policy("expert").generate([request])[0].text == "look"


def test_run_episode_records_a_faithful_episode():
    env = agentgym.make("toy/keys-v0", num_rooms=5, num_locks=2)
    episode = run_episode(env, make_policy("expert"), env_id="toy/keys-v0", seed=9, run_id="r1")
    first, info = env.reset(seed=9)
    assert episode.first_observation == first and episode.task_id == info["task_id"]
    assert episode.success and episode.terminated and not episode.truncated and episode.error is None
    assert episode.return_ == info["max_score"] == sum(t.reward for t in episode.turns)
    assert episode.turns[-1].info["won"] is True
    assert all("admissible_actions" not in t.info for t in episode.turns)  # dropped by default
    assert [t.action for t in episode.turns] == info["reference"].split("; ")
    # The conversation is the env's text interleaved with the policy's output.
    chat = episode.chat()
    assert chat[0] == {"role": "user", "content": first}
    assert [m["content"] for m in chat[1::2]] == [t.raw_output for t in episode.turns]


def test_action_extraction_and_format_flags_are_recorded():
    class Tagged:
        name = "tagged"

        def generate(self, requests):
            return [Generation(text=f"Thinking...\n<action>{r.info.get('expert_action')}</action>") for r in requests]

    env = agentgym.make("toy/keys-v0")
    episode = run_episode(env, Tagged(), env_id="toy/keys-v0", seed=1, settings=RunSettings(action_format="tag"))
    assert episode.success
    assert all(t.info["action_format_valid"] for t in episode.turns)
    assert episode.turns[0].raw_output.startswith("Thinking")


class Fragile(TextEnv):
    """A real env whose engine 'crashes' on one command."""

    def _reset(self, options):
        return "Type 'ok' or 'crash'.", {"task_id": "fragile", "admissible_actions": ["crash"]}

    def _step(self, action):
        if action == "crash":
            raise RuntimeError("engine died")
        return "fine", 0.0, False, False, {"task_id": "fragile"}


def test_an_env_crash_ends_the_episode_as_truncated_with_the_error():
    episode = run_episode(Fragile(), make_policy("random", seed=0), env_id="x/fragile-v0", seed=0)
    assert episode.truncated and not episode.success
    assert episode.error == "RuntimeError: engine died"
    assert episode.num_turns == 0


def test_max_turns_caps_the_loop_for_envs_without_a_time_limit():
    episode = run_episode(Fragile(), make_policy("expert", fallback="ok"), env_id="x/fragile-v0", seed=0,
                          settings=RunSettings(max_turns=5))
    assert episode.num_turns == 5 and episode.truncated and not episode.terminated


def test_run_episodes_uses_consecutive_seeds_and_closes_the_env():
    made = []

    def make_env():
        made.append(agentgym.make("toy/keys-v0"))
        return made[-1]

    episodes = list(run_episodes(make_env, make_policy("random", seed=0), env_id="toy/keys-v0", episodes=3, seed=40))
    assert [e.seed for e in episodes] == [40, 41, 42]
    assert made[0].unwrapped.closed


def test_turn_seed_is_deterministic_and_distinct():
    assert turn_seed(5, 0) == turn_seed(5, 0)
    assert len({turn_seed(5, t) for t in range(100)} | {turn_seed(6, 0)}) == 101
    assert turn_seed(None, 3) is None
