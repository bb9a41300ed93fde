"""TextWorld: generated games (cached, checksummed, concurrent-safe, out of HOME), expert wins and the
rubric, splits, story files from elsewhere, bad input."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("textworld")

import agentgym  # noqa: E402
from agentgym import TaskSpaceError  # noqa: E402

pytestmark = pytest.mark.slow

SMALL = {"simple": {}, "cooking": {}, "coin": {}, "treasure": {}, "custom": {"world_size": 2, "nb_objects": 2, "quest_length": 2}}


@pytest.fixture(scope="module")
def cache(module_cache):
    """This module's own cache of generated games."""
    return module_cache / "textworld"


@pytest.mark.parametrize("kind", list(SMALL))
def test_expert_wins_and_the_game_is_cached(cache, kind):
    env = agentgym.make(f"textworld/{kind}-v0", **SMALL[kind])
    obs, info = env.reset(seed=0)
    assert info["goal"] and info["goal"] in obs and "$$" not in obs  # objective first, no banner
    assert 0 <= info["game_seed"] < 1_000_000 and os.path.exists(info["game_file"])
    plan = info["reference"].split("; ")  # the winning commands from the start (IGPO's target)
    assert plan[0] == info["expert_action"]
    assert info["rubric"] and set(info["rubric"].values()) == {0.0}  # one entry per quest winning requires
    while True:
        obs, reward, terminated, truncated, info = env.step(info["expert_action"])
        if terminated or truncated:
            break
    assert terminated and info["won"] and info["score"] == info["max_score"]
    assert set(info["rubric"].values()) == {1.0}  # cooking's fail-only quests are not criteria
    assert ">" not in obs.splitlines()[-1]  # the prompt line is gone
    games = sorted(cache.iterdir())
    again, _ = env.reset(seed=0)
    assert sorted(cache.iterdir()) == games  # the second reset reused the cached game
    env.close()


@pytest.mark.parametrize("kind", list(SMALL))
def test_random_play_under_a_small_step_limit_loses_or_is_truncated(cache, kind):
    # coin level 1 puts the coin in the first room (random play takes it): level 5 is five rooms away
    params = {"level": 5} if kind == "coin" else SMALL[kind]
    env = agentgym.make(f"textworld/{kind}-v0", max_episode_steps=5, **params)
    policy = agentgym.make_policy("random", seed=0)
    from agentgym.rollout import run_episode

    episode = run_episode(env, policy, env_id=f"textworld/{kind}-v0", seed=0)
    assert not episode.success
    assert (episode.truncated and episode.num_turns == 5) or episode.turns[-1].info["lost"]  # treasure: wrong object
    assert all(t.info["action_valid"] for t in episode.turns)  # random picks admissible commands


def test_splits_use_disjoint_game_seeds(cache):
    for split, (low, high) in {"valid": (1_000_000, 2_000_000), "test": (2_000_000, 3_000_000)}.items():
        env = agentgym.make("textworld/custom-v0", split=split, **SMALL["custom"])
        _, info = env.reset(seed=0)
        assert low <= info["game_seed"] < high
        env.close()


def test_a_corrupted_cached_game_is_regenerated(cache):
    env = agentgym.make("textworld/treasure-v0")
    _, info = env.reset(seed=1)
    meta = Path(info["game_file"]).with_name("game.json")
    meta.write_text("{ truncated")
    first_obs, info2 = env.reset(seed=1)
    assert json.loads(meta.read_text())  # rebuilt
    assert info2["task_id"] == info["task_id"]


# Without the checksum the interpreter hangs in C, where no signal is handled: only the thread
# method of pytest-timeout ends the run (a failure, not a hang).
@pytest.mark.timeout(180, method="thread")
def test_a_cached_story_file_with_garbage_inside_is_regenerated(cache):
    """Garbage in the middle of game.z8 keeps its size and game.json parses: only the checksum sees it."""
    env = agentgym.make("textworld/custom-v0", **SMALL["custom"])
    first, info = env.reset(seed=5)
    story = Path(info["game_file"])
    garbage = np.random.default_rng(0).bytes(4096)
    with open(story, "r+b") as f:
        f.seek(64)
        f.write(garbage)
    again, info2 = env.reset(seed=5)
    assert again == first and info2["task_id"] == info["task_id"]
    assert story.read_bytes()[64:64 + 4096] != garbage  # generated again
    while not info2["won"]:
        _, _, terminated, truncated, info2 = env.step(info2["expert_action"])
        assert not truncated
    assert (story.parent / "checksums.sha256").read_text().count("  game.") == 2  # game.z8 and game.json
    assert not (story.parent / "home").exists()  # Inform7's HOME is not kept in the entry
    env.close()


def test_generation_keeps_out_of_home(cache, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    env = agentgym.make("textworld/coin-v0", level=2)
    env.reset(seed=3)
    assert not (tmp_path / "Inform").exists() and os.environ["HOME"] == str(tmp_path)


def test_concurrent_processes_generate_one_game(cache, tmp_path):
    code = "import agentgym; env = agentgym.make('textworld/coin-v0', level=7); print(env.reset(seed=11)[1]['game_file'])"
    env = {**os.environ, "AGENTGYM_CACHE": str(tmp_path)}
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300)[0].strip() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert outs[0] == outs[1] and len([d for d in (tmp_path / "textworld").iterdir() if not d.name.startswith(".")]) == 1


def test_task_options_and_bad_input_fail_before_generation(cache):
    env = agentgym.make("textworld/coin-v0")
    _, info = env.reset(seed=0, options={"task": {"level": 3}, "game_seed": 42})
    assert info["game_seed"] == 42
    before = sorted(cache.iterdir())
    for bad in ({"level": 0}, {"level": 301}, {"difficulty": 2}):
        with pytest.raises(TaskSpaceError):
            env.reset(seed=0, options={"task": bad})
    with pytest.raises(TaskSpaceError):
        agentgym.make("textworld/treasure-v0", level=31)
    with pytest.raises(TaskSpaceError):
        agentgym.make("textworld/simple-v0", rewards="plenty")
    with pytest.raises(ValueError, match="kind"):
        agentgym.make("textworld/simple-v0", kind="zork")
    with pytest.raises(ValueError, match="split"):
        agentgym.make("textworld/simple-v0", split="holdout")
    with pytest.raises(ValueError, match="path"):
        agentgym.make("textworld/game-v0")
    assert sorted(cache.iterdir()) == before


def test_unplayable_game_paths_are_refused_saying_why(tmp_path):
    from agentgym import AgentGymError

    with pytest.raises(AgentGymError, match="no game file or folder"):
        agentgym.make("textworld/game-v0", path=str(tmp_path / "missing.z8"))
    with pytest.raises(AgentGymError, match=r"no Z-machine story file \(.z1-.z8\)"):
        agentgym.make("textworld/game-v0", path=str(tmp_path))  # an empty folder
    (tmp_path / "game.ulx").write_bytes(b"Glul" + bytes(60))
    with pytest.raises(ValueError, match="Glulx games .* compile the game for the Z-machine"):
        agentgym.make("textworld/game-v0", path=str(tmp_path))


def test_user_game_files_play_and_pass_the_checker(cache):
    env = agentgym.make("textworld/simple-v0")
    _, info = env.reset(seed=0)
    folder = Path(info["game_file"]).parent
    game = agentgym.make("textworld/game-v0", path=str(folder))
    obs, game_info = game.reset(seed=0)
    assert game_info["task_id"] == "textworld/game:game.z8" and game_info["expert_action"]
    while not game_info["won"]:
        obs, _, terminated, truncated, game_info = game.step(game_info["expert_action"])
        assert not truncated
    assert terminated
    from agentgym.rollout import run_episode

    short = agentgym.make("textworld/game-v0", path=str(folder), max_episode_steps=2)
    episode = run_episode(short, agentgym.make_policy("random", seed=0), env_id="textworld/game-v0", seed=0)
    assert episode.truncated and not episode.success
    agentgym.check_env(agentgym.make("textworld/game-v0", path=str(folder / "game.z8")))


def test_a_story_file_without_game_json_plays_with_what_the_engine_offers(cache, tmp_path):
    """A game from elsewhere (here a generated game.z8 copied alone): Jericho knows only its text."""
    described = agentgym.make("textworld/custom-v0", **SMALL["custom"])
    first, info = described.reset(seed=0)
    shutil.copy(info["game_file"], tmp_path / "game.z8")
    env = agentgym.make("textworld/game-v0", path=str(tmp_path / "game.z8"))
    obs, bare = env.reset(seed=0)
    # the first observation is the story's own opening (TextWorld's banner, the objective, the room)
    assert obs.endswith(first.split("\n\n", 1)[1]) and info["goal"] in obs and "$$$$" in obs
    assert "goal" not in bare and bare["expert_action"] is None and bare["reference"] is None
    assert bare["admissible_actions"] is None and not {"score", "max_score", "won", "lost"} & set(bare)
    plan = info["reference"].split("; ")
    for i, command in enumerate(plan):
        obs, reward, terminated, truncated, bare = env.step(command)
        assert reward == 0.0 and bare["action_valid"] and not truncated
        assert terminated == (i == len(plan) - 1)  # the story asks to RESTART, RESTORE or QUIT: over
    assert "RESTART" in obs and bare["expert_action"] is None
    from agentgym.rollout import run_episode

    episode = run_episode(agentgym.make("textworld/game-v0", path=str(tmp_path), max_episode_steps=3),
                          agentgym.make_policy("random", seed=0), env_id="textworld/game-v0", seed=0)
    assert episode.truncated and episode.num_turns == 3  # the random policy falls back to "look"
    agentgym.check_env(agentgym.make("textworld/game-v0", path=str(tmp_path / "game.z8")))
    described.close()
    env.close()


def test_describe_room_keeps_the_exits_in_view_after_a_failed_move(cache):
    plain = agentgym.make("textworld/coin-v0", level=3)
    described = agentgym.make("textworld/coin-v0", level=3, describe_room=True)
    first, info = plain.reset(seed=4)
    assert described.reset(seed=4)[0] == first and "\n\n\n" not in first  # blank-line runs cut to one
    blocked = next(d for d in ("north", "south", "east", "west") if f"go {d}" not in info["admissible_actions"])
    assert plain.step(f"go {blocked}")[0] == "You can't go that way."
    obs, _, _, _, step_info = described.step(f"go {blocked}")
    room = first.split("\n\n", 1)[1]  # the first observation is the goal, then the room
    assert obs.startswith("You can't go that way.\n\n") and obs.endswith(room) and not step_info["action_valid"]
    # a move into a new room already describes it: nothing is added twice
    obs, *_ = described.step(step_info["expert_action"])
    assert obs == plain.step(step_info["expert_action"])[0]
    plain.close()
    described.close()


@pytest.mark.parametrize("kind, settings", [("coin", {"level": 105}), ("simple", {"rewards": "dense", "goal": "detailed", "test": False}),
                                            ("cooking", {"recipe": 2, "take": 1, "go": 6, "open": True, "cook": True, "cut": True,
                                                         "split": "train", "recipe_seed": 3, "drop": False})])
def test_compile_free_walkthroughs_make_the_games_textworld_makes(tmp_path, monkeypatch, kind, settings):
    from textworld import GameOptions, challenges

    from environments.textworld.env import CHALLENGE_NAMES
    from environments.textworld.walkthrough import compile_free_walkthroughs

    monkeypatch.setenv("HOME", str(tmp_path))  # TextWorld's own set_walkthrough compiles (Inform7 writes $HOME/Inform)
    make = challenges.CHALLENGES[CHALLENGE_NAMES[kind]][1]

    def generate() -> str:
        options = GameOptions()
        options.seeds = 11
        return json.dumps(make(dict(settings), options).serialize(), sort_keys=True)

    upstream = generate()
    with compile_free_walkthroughs():
        ours = generate()
    assert ours == upstream
    assert any(event["commands"] for quest in json.loads(ours)["quests"] for event in quest["win_events"])  # it was set
