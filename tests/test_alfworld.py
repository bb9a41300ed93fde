"""ALFWorld: generated games for all six task types (solvable, ALFWorld's goal templates, playable
in ALFWorld's own engine stack with the same admissible commands), the hand-coded and planner
experts and the rubric, splits, the cache (checksummed, loaded without translating again), the
official data loader, bad input."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

pytest.importorskip("alfworld")
pytest.importorskip("textworld")

import agentgym  # noqa: E402
from agentgym import TaskSpaceError  # noqa: E402
from agentgym.rollout import run_episode  # noqa: E402
from environments.alfworld.generator import HELD_OUT_FLOOR_PLANS, TASK_TYPES  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cache(module_cache):
    """This module's own cache of generated games."""
    return module_cache / "alfworld"


def template_pattern(task: str) -> re.Pattern:
    """ALFWorld's goal templates for a task type, with the slots as wildcards."""
    from alfworld.gen.goal_library import gdict

    alternatives = [re.escape(t).replace(r"\{obj\}", "[a-z]+").replace(r"\{recep\}", "[a-z]+").replace(r"\{toggle\}", "[a-z]+")
                    for t in gdict[TASK_TYPES[task]]["templates"]]
    return re.compile("^(" + "|".join(alternatives) + ")$")


@pytest.mark.parametrize("task", [*TASK_TYPES, "mixed"])
def test_expert_wins_every_task_type_and_the_game_is_cached(cache, task):
    env = agentgym.make(f"alfworld/{task}-v0")
    obs, info = env.reset(seed=0)
    kind = info["task_type"]  # mixed-v0 draws one of the six
    assert kind == task or (task == "mixed" and kind in TASK_TYPES)
    assert obs.startswith("You are in the middle of a room.") and "Welcome" not in obs  # banner dropped
    assert obs.endswith(f"Your task is to: {info['goal']}.") and template_pattern(kind).match(info["goal"])
    game = json.loads(Path(info["game_file"]).read_text())
    assert game["solvable"] and game["walkthrough"] and game["task_type"] == TASK_TYPES[kind]
    assert 0 <= info["game_seed"] < 1_000_000 and info["task_id"].startswith(f"alfworld/{kind}:")
    rubric_start = sum(info["rubric"].values())
    turns = 0
    while True:
        assert info["expert_action"] in info["admissible_actions"]
        obs, reward, terminated, truncated, info = env.step(info["expert_action"])
        turns += 1
        if terminated or truncated:
            break
    assert terminated and info["won"] and reward == 1.0 and info["score"] == info["max_score"] == 1.0
    assert rubric_start == 0 and set(info["rubric"].values()) == {1.0} and info["expert_action"] is None
    assert turns <= len(game["walkthrough"]) + 2  # the expert is near the planner's optimum
    entries = sorted(cache.iterdir())
    env.reset(seed=0)
    assert sorted(cache.iterdir()) == entries  # the second reset reused the cached game
    env.close()


def test_the_planner_walkthrough_wins_in_alfworlds_own_engine_stack(cache):
    """A generated game is an ALFWorld game: ALFWorld's demangler and TextWorld's PDDL engine play it."""
    import textworld
    from alfworld.agents.environment.alfred_tw_env import AlfredDemangler, AlfredInfos

    env = agentgym.make("alfworld/heat-v0")
    obs, info = env.reset(seed=0)
    walkthrough = json.loads(Path(info["game_file"]).read_text())["walkthrough"]
    requested = textworld.EnvInfos(won=True, admissible_commands=True, extras=["gamefile"])
    official = textworld.start(info["game_file"], request_infos=requested, wrappers=[AlfredDemangler(), AlfredInfos])
    state = official.reset()
    assert obs in state.feedback  # the same room, the same names, the same goal
    for command in walkthrough:
        assert command in state["admissible_commands"]
        state, _, _ = official.step(command)
    assert state["won"]
    env.close()


@pytest.mark.parametrize("task", ["clean", "examine"])
def test_admissible_commands_are_alfworlds_own(cache, task):
    """The same admissible set as ALFWorld's engine stack (AlfredDemangler over TextWorld's PddlEnv,
    a grammar derivation per action) at each step of an expert episode."""
    import textworld
    from alfworld.agents.environment.alfred_tw_env import AlfredDemangler, AlfredInfos

    env = agentgym.make(f"alfworld/{task}-v0")
    _, info = env.reset(seed=0)
    requested = textworld.EnvInfos(won=True, admissible_commands=True, extras=["gamefile"])
    official = textworld.start(info["game_file"], request_infos=requested, wrappers=[AlfredDemangler(), AlfredInfos])
    state = official.reset()
    for _ in range(6):  # to the win or six steps
        assert set(info["admissible_actions"]) == set(state["admissible_commands"])
        if info["won"]:
            break
        action = info["expert_action"]
        _, _, _, _, info = env.step(action)
        state, _, _ = official.step(action)
    assert set(info["admissible_actions"]) == set(state["admissible_commands"])
    official.close()
    env.close()


def test_the_planner_expert_plays_to_a_win(cache):
    env = agentgym.make("alfworld/pick-v0", expert="planner")
    episode = run_episode(env, agentgym.make_policy("expert"), env_id="alfworld/pick-v0", seed=0)
    assert episode.success and not episode.truncated
    assert all(t.info["action_valid"] for t in episode.turns)  # every planned command was admissible


def test_the_expert_recovers_from_detours_and_rubric_tracks_progress(cache):
    env = agentgym.make("alfworld/clean-v0")
    obs, info = env.reset(seed=1)
    fetch = info["expert_action"]
    obs, _, _, _, info = env.step(fetch)  # go to the object's receptacle, ...
    while info["expert_action"].startswith(("open", "go to")):
        obs, _, _, _, info = env.step(info["expert_action"])
    obs, _, _, _, info = env.step(info["expert_action"])  # ... and take it
    assert obs.startswith("You pick up") and info["rubric"][next(iter(info["rubric"]))] == 1.0
    detour = next(a for a in info["admissible_actions"] if a.startswith("go to") and a != fetch)
    env.step(detour)
    env.step("inventory")
    for _ in range(20):
        obs, _, terminated, _, info = env.step(info["expert_action"] or "look")
        if terminated:
            break
    assert info["won"]
    env.close()


@pytest.mark.parametrize("task", [*TASK_TYPES, "mixed"])
def test_random_play_under_a_small_step_limit_is_truncated(cache, task):
    env = agentgym.make(f"alfworld/{task}-v0", max_episode_steps=5)
    episode = run_episode(env, agentgym.make_policy("random", seed=0), env_id=f"alfworld/{task}-v0", seed=0)
    assert episode.truncated and not episode.success and episode.num_turns == 5
    assert all(t.info["action_valid"] for t in episode.turns)  # random picks admissible commands


def test_actions_are_matched_in_lower_case_and_others_do_nothing(cache):
    env = agentgym.make("alfworld/pick-v0")
    _, info = env.reset(seed=0)
    obs, reward, terminated, _, after = env.step("FLY  to the\x00moon")
    assert obs == "Nothing happens." and not after["action_valid"] and reward == 0 and not terminated
    obs, _, _, _, after = env.step(info["expert_action"].upper())
    assert after["action_valid"] and obs.startswith("You arrive at")
    env.close()


def test_splits_draw_disjoint_seeds_and_test_uses_held_out_floor_plans(cache):
    for split, (low, high) in {"valid": (1_000_000, 2_000_000), "test": (2_000_000, 3_000_000)}.items():
        env = agentgym.make("alfworld/examine-v0", split=split)
        _, info = env.reset(seed=0)
        floor_plan = json.loads(Path(info["game_file"]).read_text())["agentgym"]["floor_plan"]
        assert low <= info["game_seed"] < high
        assert (floor_plan in HELD_OUT_FLOOR_PLANS) == (split == "test")
        env.close()


def test_mixed_draws_task_types_and_takes_a_task_option(cache):
    env = agentgym.make("alfworld/mixed-v0")
    _, info = env.reset(seed=0, options={"task": "cool", "game_seed": 5})
    assert info["task_type"] == "cool" and info["game_seed"] == 5 and info["task_id"].startswith("alfworld/cool:")
    assert list(env.unwrapped.task_space.describe()) == ["task"]
    with pytest.raises(TaskSpaceError):
        env.reset(seed=0, options={"task": "juggle"})
    env.close()


def test_a_corrupted_cached_game_is_regenerated(cache):
    env = agentgym.make("alfworld/pick-v0")
    _, info = env.reset(seed=3)
    Path(info["game_file"]).write_text('{"pddl_problem": ')
    obs, again = env.reset(seed=3)
    assert json.loads(Path(info["game_file"]).read_text())["solvable"] and again["task_id"] == info["task_id"]
    env.close()


def test_a_cached_game_changed_but_still_loadable_is_regenerated(cache):
    """An edit that keeps game.tw-pddl valid JSON (a different goal) or garbage in game.compiled:
    only the checksums see them; the game is generated again, the same game."""
    env = agentgym.make("alfworld/examine-v0")
    first, info = env.reset(seed=4)
    path = Path(info["game_file"])
    original = path.read_text()
    game = json.loads(original)
    game["grammar"] = game["grammar"].replace(game["agentgym"]["goal"], "juggle three apples")
    path.write_text(json.dumps(game))
    assert env.reset(seed=4)[0] == first and path.read_text() == original
    compiled = path.with_name("game.compiled")
    with open(compiled, "r+b") as f:
        f.seek(64)
        f.write(bytes(4096))
    fresh = agentgym.make("alfworld/examine-v0")
    assert fresh.reset(seed=4)[0] == first and path.read_text() == original
    fresh.close()
    env.close()


def test_a_cached_game_loads_without_translating_it_again(cache, tmp_path, monkeypatch):
    """A new env's first reset of a cached game takes the stored parse and translations
    (game.compiled): Fast Downward's translator does not run, and the game is the one the
    PDDL gives (compared with official-v0, which loads the same game from its PDDL)."""
    import fast_downward

    agentgym.make("alfworld/cool-v0").reset(seed=6)  # generate it
    translate = fast_downward.pddl2sas
    calls = []
    monkeypatch.setattr(fast_downward, "pddl2sas", lambda *a, **k: calls.append(a) or translate(*a, **k))
    env = agentgym.make("alfworld/cool-v0")
    obs, info = env.reset(seed=6)
    assert calls == []  # no translation
    trial = tmp_path / "json_2.1.1" / "train" / "cool-game" / "trial_T0"
    trial.mkdir(parents=True)
    shutil.copy(info["game_file"], trial / "game.tw-pddl")
    official = agentgym.make("alfworld/official-v0", data_path=str(tmp_path))
    official_obs, official_info = official.reset(seed=0)
    assert len(calls) == 2  # official games are translated (plainly and for the planner)
    assert official_obs == obs and official_info["admissible_actions"] == info["admissible_actions"]
    while not info["won"]:
        _, _, terminated, truncated, info = env.step(info["expert_action"])
        assert not truncated
        _, _, _, _, official_info = official.step(official_info["expert_action"])
    assert terminated and official_info["won"]
    env.close()
    official.close()


def test_bad_input_fails_before_generation(cache):
    before = sorted(cache.iterdir()) if cache.exists() else []
    with pytest.raises(ValueError, match="task"):
        agentgym.make("alfworld/pick-v0", task="juggle")
    with pytest.raises(ValueError, match="split"):
        agentgym.make("alfworld/pick-v0", split="holdout")
    with pytest.raises(ValueError, match="expert"):
        agentgym.make("alfworld/pick-v0", expert="oracle")
    env = agentgym.make("alfworld/pick-v0")
    with pytest.raises(ValueError, match="mixed"):
        env.reset(seed=0, options={"task": "heat"})
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match="game_seed"):
            env.reset(seed=0, options={"game_seed": bad})
    assert (sorted(cache.iterdir()) if cache.exists() else []) == before
    env.close()


def test_official_games_play_from_alfworld_data(cache, tmp_path, monkeypatch):
    """official-v0 reads ALFWorld's data layout; here it is filled with generated games."""
    monkeypatch.delenv("ALFWORLD_DATA", raising=False)
    with pytest.raises(ValueError, match="ALFWORLD_DATA"):
        agentgym.make("alfworld/official-v0")
    source = agentgym.make("alfworld/cool-v0")
    _, info = source.reset(seed=2)
    game = json.loads(Path(info["game_file"]).read_text())
    trial = tmp_path / "json_2.1.1" / "valid_unseen" / "pick_cool_then_place_in_recep-Plate-None-Fridge-26" / "trial_T0"
    trial.mkdir(parents=True)
    # ALFWorld's own files carry the goal's parameters in traj_data.json, not in the game file
    (trial / "game.tw-pddl").write_text(json.dumps({k: game[k] for k in ("pddl_domain", "grammar", "pddl_problem", "solvable", "walkthrough")}))
    (trial / "traj_data.json").write_text(json.dumps({"task_type": game["task_type"], "pddl_params": game["pddl_params"]}))
    unsolvable = trial.parent.parent / "broken" / "trial_T1"
    unsolvable.mkdir(parents=True)
    (unsolvable / "game.tw-pddl").write_text(json.dumps({**game, "solvable": False}))
    monkeypatch.setenv("ALFWORLD_DATA", str(tmp_path))
    with pytest.raises(ValueError, match="no solvable"):
        agentgym.make("alfworld/official-v0")  # train split: nothing there
    env = agentgym.make("alfworld/official-v0", split="test")
    obs, info = env.reset(seed=0)
    assert info["task_id"] == f"alfworld/official:{trial.parent.name}/trial_T0" and info["goal"] == game["agentgym"]["goal"]
    while not info["won"]:
        obs, _, terminated, truncated, info = env.step(info["expert_action"])
        assert not truncated
    assert terminated
    short = agentgym.make("alfworld/official-v0", split="test", max_episode_steps=3)
    episode = run_episode(short, agentgym.make_policy("random", seed=0), env_id="alfworld/official-v0", seed=0)
    assert episode.truncated and not episode.success
    agentgym.check_env(agentgym.make("alfworld/official-v0", data_path=str(tmp_path), split="test"))
    shutil.rmtree(tmp_path / "json_2.1.1")
    source.close()
    env.close()
