"""The registry (DESIGN §2.2): ids, specs, make's wrappers, errors, lazy discovery."""

from __future__ import annotations

import subprocess
import sys

import pytest

import agentgym
from agentgym import EnvIdError, MissingDependencyError
from agentgym.registry import EnvRegistry, parse_env_id
from agentgym.wrappers import NormalizeAction, TimeLimit


def test_parse_env_id():
    assert parse_env_id("textworld/cooking-v0") == ("textworld", "cooking", 0)
    assert parse_env_id("my-plugin/Maze.Big-v12") == ("my-plugin", "Maze.Big", 12)


@pytest.mark.parametrize("bad", ["keys-v0", "toy/keys", "toy/keys-vx", "Toy/keys-v0", "/keys-v0", "toy/-v0", "", "toy/keys-v0 "])
def test_malformed_ids_are_refused_with_the_expected_format(bad):
    with pytest.raises(EnvIdError, match="family/Name-vN"):
        agentgym.make(bad)


def test_non_string_id_is_refused():
    with pytest.raises(EnvIdError, match="must be a str"):
        agentgym.make(3)


def test_unknown_id_lists_close_matches():
    with pytest.raises(EnvIdError) as info:
        agentgym.make("toy/key-v0")
    assert "toy/keys-v0" in str(info.value)
    with pytest.raises(EnvIdError, match="toy/keys-v0"):
        agentgym.make("toy/keys-v1")  # the same name in another version is suggested


def test_make_applies_the_standard_wrappers_and_records_the_spec():
    env = agentgym.make("toy/keys-v0", num_rooms=3)
    assert isinstance(env, TimeLimit) and isinstance(env.env, NormalizeAction)
    assert env.unwrapped.spec.id == "toy/keys-v0"
    assert env.unwrapped.spec.kwargs == {"num_rooms": 3}
    assert env.unwrapped.spec.max_episode_steps == 50
    assert env.spec.id == "toy/keys-v0"  # through the wrappers, Gymnasium-style


def test_time_limit_truncates_and_refuses_to_step_past_it():
    env = agentgym.make("toy/keys-v0", max_episode_steps=3)
    env.reset(seed=0)
    flags = [env.step("look")[3] for _ in range(3)]
    assert flags == [False, False, True]
    with pytest.raises(agentgym.ResetNeededError):
        env.step("look")


def test_make_without_normalisation_keeps_only_the_time_limit():
    env = agentgym.make("toy/keys-v0", max_action_length=None)
    assert isinstance(env, TimeLimit) and env.env is env.unwrapped


def test_make_with_action_extraction_takes_raw_model_output():
    env = agentgym.make("toy/keys-v0", action_format="tag")
    _, info = env.reset(seed=0)
    raw = f"I should explore.\n<action>  {info['expert_action']} </action>"
    _, _, _, _, step_info = env.step(raw)
    assert step_info["action_valid"] and step_info["action_format_valid"]
    assert step_info["raw_action"] == raw


def test_register_make_spec_list(clean_registry):
    from environments.toy.env import KeysEnv

    agentgym.register("mine/keys-v3", entry_point=KeysEnv, kwargs={"num_rooms": 2}, description="two rooms")
    agentgym.register("mine/other-v0", entry_point="environments.toy.env:KeysEnv", max_episode_steps=7)
    assert agentgym.spec("mine/keys-v3").description == "two rooms"
    assert agentgym.list_envs("mine/*") == ["mine/keys-v3", "mine/other-v0"]
    assert agentgym.list_envs("OTHER") == ["mine/other-v0"]  # substring, case-insensitive
    env = agentgym.make("mine/keys-v3")
    assert env.unwrapped.task["num_rooms"] == 2
    assert agentgym.make("mine/other-v0").spec.max_episode_steps == 7


def test_reregistering_replaces_with_a_warning(clean_registry, caplog):
    agentgym.register("mine/x-v0", entry_point="environments.toy.env:KeysEnv")
    agentgym.register("mine/x-v0", entry_point="environments.toy.env:KeysEnv", description="new")
    assert agentgym.spec("mine/x-v0").description == "new"
    assert "overriding" in caplog.text


def test_missing_dependency_names_the_extra(clean_registry):
    agentgym.register("mine/needs-v0", entry_point="environments.toy.env:KeysEnv", requires=("no_such_engine_xyz",), extra="nethack")
    with pytest.raises(MissingDependencyError) as info:
        agentgym.make("mine/needs-v0")
    assert "pip install 'agentgym[nethack]'" in str(info.value)
    assert isinstance(info.value, ImportError) and isinstance(info.value, agentgym.AgentGymError)
    assert agentgym.spec("mine/needs-v0").missing_dependencies == ["no_such_engine_xyz"]


def test_entry_point_that_is_not_an_env_is_refused(clean_registry):
    agentgym.register("mine/bad-v0", entry_point=lambda: "not an env")
    with pytest.raises(TypeError, match="not a gymnasium.Env"):
        agentgym.make("mine/bad-v0")


def test_bad_entry_point_value_is_refused():
    with pytest.raises(TypeError, match="entry_point"):
        agentgym.register("mine/bad-v0", entry_point=42)


def test_discovery_keeps_explicit_registrations():
    reg = EnvRegistry(providers=("environments:register_envs",), entry_point_group=None)
    reg.register("toy/keys-v0", entry_point="environments.toy.env:KeysEnv", description="mine")
    reg.discover()
    assert reg.spec("toy/keys-v0").description == "mine"


def test_a_failing_provider_is_recorded_not_raised():
    reg = EnvRegistry(providers=("no_such_module_abc:register",), entry_point_group=None)
    assert reg.list_envs() == []
    assert "no_such_module_abc" in next(iter(reg.plugin_errors.values()))


def test_import_agentgym_is_light():
    """`import agentgym` imports no engine, no env module, no pyarrow, no torch."""
    code = (
        "import sys, agentgym; agentgym.list_envs(); "
        "heavy = [m for m in ('pyarrow', 'torch', 'textworld', 'nle', 'environments.toy.env', 'transformers') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_a_bad_wrapper_argument_closes_the_env_it_made(clean_registry):
    made = []

    def factory(**kwargs):
        from environments.toy.env import KeysEnv

        made.append(KeysEnv(**kwargs))
        return made[-1]

    agentgym.register("mine/tracked-v0", entry_point=factory)
    with pytest.raises(ValueError, match="max_episode_steps"):
        agentgym.make("mine/tracked-v0", max_episode_steps=0)
    assert made and made[0].closed
