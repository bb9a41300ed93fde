"""The `agentgym` command line, run as a user runs it: the real executable in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import agentgym
from agentgym.trajectory import read_episodes

AGENTGYM = str(Path(sys.executable).with_name("agentgym"))
ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str, cwd: Path, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([AGENTGYM, *args], cwd=cwd, input=stdin, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "200", **(env or {})})


def test_version_and_help(tmp_path):
    assert cli("--version", cwd=tmp_path).stdout.strip() == f"agentgym {agentgym.__version__}"
    help_text = cli("--help", cwd=tmp_path).stdout
    for command in ("envs", "doctor", "play", "run", "check", "serve", "train", "eval", "replay", "report", "bench", "sandbox"):
        assert command in help_text


def test_envs_lists_and_filters(tmp_path):
    out = cli("envs", cwd=tmp_path)
    assert out.returncode == 0 and "toy/keys-v0" in out.stdout and "installed" in out.stdout
    assert "toy/keys-v0" in cli("envs", "toy/*", cwd=tmp_path).stdout
    assert "no env id matches" in cli("envs", "nothing/*", cwd=tmp_path).stdout


def test_doctor_reports_and_exit_codes(tmp_path):
    out = cli("doctor", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    for name in ("python", "torch", "gpu", "vllm", "java", "docker", "textworld", "alfworld", "scienceworld", "nethack", "swe"):
        assert name in out.stdout
    no_engine = {"DOCKER_HOST": f"unix://{tmp_path}/no-such.sock"}
    required = cli("doctor", "--require", "docker", cwd=tmp_path, env=no_engine)
    assert required.returncode == 1 and "required but missing: docker" in required.stderr
    assert "DOCKER_HOST" in required.stdout  # the fix is printed
    assert cli("doctor", "--require", "bogus", cwd=tmp_path).returncode == 2


def test_run_writes_a_reproducible_run(tmp_path):
    out = cli("run", "toy/keys-v0", "--policy", "expert", "--episodes", "5", "--seed", "7", "--out", "a", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "toy/keys-v0" in out.stdout and "100%" in out.stdout
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    assert summary["episodes"] == 5 and summary["success_rate"] == 1.0
    episodes = read_episodes(tmp_path / "a")
    assert [e.seed for e in episodes] == [7, 8, 9, 10, 11] and {e.policy for e in episodes} == {"expert"}
    assert json.loads((tmp_path / "a" / "config.json").read_text())["seed"] == 7

    again = cli("run", "toy/keys-v0", "--policy", "random", "--episodes", "3", "--seed", "7", "--out", "b", cwd=tmp_path)
    again2 = cli("run", "toy/keys-v0", "--policy", "random", "--episodes", "3", "--seed", "7", "--out", "c", cwd=tmp_path)
    assert again.returncode == again2.returncode == 0
    trace = lambda d: [[(t.action, t.observation) for t in e.turns] for e in read_episodes(tmp_path / d)]  # noqa: E731
    assert trace("b") == trace("c")

    refused = cli("run", "toy/keys-v0", "--episodes", "1", "--out", "a", cwd=tmp_path)
    assert refused.returncode == 2 and "nothing was overwritten" in refused.stderr
    assert len(read_episodes(tmp_path / "a")) == 5


def test_run_config_precedence(tmp_path):
    out = cli("run", "--config", str(ROOT / "configs" / "toy-run.toml"), "--policy", "expert", "--episodes", "9",
              "--set", "episodes=3", "--set", "env_kwargs.num_rooms=3", "--out", "cfg", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    config = json.loads((tmp_path / "cfg" / "config.json").read_text())
    assert config["env"] == "toy/keys-v0" and config["seed"] == 1000          # from the file
    assert config["policy"] == "expert"                                      # flag over file default
    assert config["episodes"] == 3                                           # --set over flag
    assert config["env_kwargs"] == {"num_rooms": 3, "num_locks": 2, "num_distractors": 2}
    assert all(e.task_id.startswith("toy/keys:r3-") for e in read_episodes(tmp_path / "cfg"))


@pytest.mark.parametrize(
    "args, message",
    [
        (["run", "toy/key-v0"], "toy/keys-v0"),
        (["run", "notanid"], "family/Name-vN"),
        (["run", "toy/keys-v0", "--policy", "rando"], "Did you mean random"),
        (["run", "toy/keys-v0", "--set", "episdes=3"], "unknown RunConfig key"),
        (["run", "toy/keys-v0", "--set", "episodes"], "key=value"),
        (["run", "toy/keys-v0", "--set", "episodes=many"], "RunConfig.episodes must be int"),
        (["run", "toy/keys-v0", "--episodes", "0"], "at least 1"),
        (["run", "--config", "missing.toml"], "not found"),
        (["run"], "no env given"),
        (["play", "nope/x-v0"], "no env registered"),
    ],
)
def test_bad_input_is_one_clear_line(tmp_path, args, message):
    (tmp_path / "bad.toml").write_text("episodes = = 1\n")
    out = cli(*args, "--out", "o", cwd=tmp_path) if args[0] == "run" else cli(*args, cwd=tmp_path)
    assert out.returncode == 2
    assert message in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "o" / "trajectories").exists()


def test_invalid_toml_config(tmp_path):
    (tmp_path / "bad.toml").write_text("episodes = = 1\n")
    out = cli("run", "--config", "bad.toml", cwd=tmp_path)
    assert out.returncode == 2 and "not valid TOML" in out.stderr


def expert_plan(seed: int) -> list[str]:
    env = agentgym.make("toy/keys-v0")
    _, info = env.reset(seed=seed)
    return info["reference"].split("; ")


def test_play_to_a_win_through_stdin(tmp_path):
    plan = expert_plan(5)
    out = cli("play", "toy/keys-v0", "--seed", "5", cwd=tmp_path, stdin="\n".join(plan + [":quit"]) + "\n")
    assert out.returncode == 0, out.stderr
    assert "You have won" in out.stdout and "Episode won" in out.stdout


def test_play_numbers_hints_and_end_of_input(tmp_path):
    env = agentgym.make("toy/keys-v0")
    _, info = env.reset(seed=5)
    listed = info["admissible_actions"]
    inventory = listed.index("inventory") + 1
    out = cli("play", "toy/keys-v0", "--seed", "5", cwd=tmp_path, stdin=f"{inventory}\n:hint\n")  # no :quit: EOF ends it
    assert out.returncode == 0
    assert "You carry nothing." in out.stdout
    assert f"expert: {info['expert_action']}" in out.stdout


def test_check_command(tmp_path):
    out = cli("check", "toy/keys-v0", cwd=tmp_path)
    assert out.returncode == 0 and "passes" in out.stdout
