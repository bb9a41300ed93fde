"""`agentgym eval` and `agentgym replay` as users run them: the real CLI (in a subprocess where
a kill is involved), real envs, a real OpenAI-compatible HTTP server, suites from TOML files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agentgym.cli.app import app
from agentgym.errors import ConfigError
from agentgym.eval import list_suites, load_suite
from agentgym.trajectory import read_episodes

AGENTGYM = str(Path(sys.executable).with_name("agentgym"))
ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, env: dict | None = None):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200", **(env or {})}, catch_exceptions=False)


def write_suite(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.toml"
    path.write_text(text)
    return path


TWO_TOYS = """
description = "two toy layouts"
episodes = 6

[[envs]]
id = "toy/keys-v0"
name = "small"
kwargs = { num_rooms = 3, num_locks = 1 }
max_episode_steps = 30

[[envs]]
id = "toy/keys-v0"
name = "large"
kwargs = { num_rooms = 6, num_locks = 2 }
"""


def test_a_suite_plays_every_env_on_the_same_seeds_for_every_policy(tmp_path, monkeypatch):
    suites = tmp_path / "suites"
    write_suite(suites, "twotoys", TWO_TOYS)
    monkeypatch.chdir(tmp_path)
    results = {}
    for policy in ("random", "expert"):
        out = tmp_path / policy
        report = ["--no-report"] if policy == "random" else []
        result = run_cli("eval", "--env", "twotoys", "--policy", policy, "--seed", "100", "--out", str(out), "-c", "2",
                         *report, env={"AGENTGYM_SUITES": str(suites)})
        assert result.exit_code == 0, result.output
        assert "small" in result.output and "large" in result.output and "all (pooled)" in result.output
        summary = json.loads((out / "summary.json").read_text())
        manifest = json.loads((out / "manifest.json").read_text())
        assert summary["complete"] and summary["episodes_per_env"] == 6 and set(summary["envs"]) == {"small", "large"}
        assert [e["seeds"] for e in manifest["envs"]] == [list(range(100, 106))] * 2
        assert manifest["envs"][0]["kwargs"] == {"num_rooms": 3, "num_locks": 1} and manifest["envs"][0]["max_episode_steps"] == 30
        assert manifest["agentgym_version"] and manifest["python"] and manifest["policy"] == policy
        assert manifest["sessions"][0]["episodes"] == 12 and manifest["sessions"][0]["seconds"] > 0
        episodes = read_episodes(out)
        assert sorted(e.group_id for e in episodes) == sorted(f"{n}@{s}" for n in ("small", "large") for s in range(100, 106))
        assert all(e.num_turns <= 30 for e in episodes if e.group_id.startswith("small"))
        results[policy] = ({e.group_id: e.task_id for e in episodes}, summary)
    # the same tasks for both policies, so their numbers compare
    assert results["random"][0] == results["expert"][0]
    page = (tmp_path / "expert" / "report.html").read_text()  # one row per suite entry, though both are toy/keys-v0
    assert not (tmp_path / "random" / "report.html").exists() and ">small<" in page and ">large<" in page
    expert = results["expert"][1]
    assert expert["envs"]["small"]["success_rate"] == 1.0 and expert["overall"]["episodes"] == 12
    pooled = results["random"][1]["overall"]
    assert pooled["success_rate"] == sum(results["random"][1]["envs"][n]["success_rate"] * 6 for n in ("small", "large")) / 12


def test_bundled_suites_name_registered_envs_and_held_out_splits():
    suites = list_suites()
    assert {"textworld", "alfworld", "scienceworld", "nethack", "swe", "all", "toy"} <= set(suites)
    everything = load_suite("all")
    ids = {e.id for e in everything.entries}
    assert len([i for i in ids if i.startswith("scienceworld/")]) == 30 and "swe/local-v0" in ids
    assert "textworld/coin-v0" in ids and "alfworld/pick-two-v0" in ids and "nethack/challenge-v0" in ids
    for entry in everything.entries:  # families with splits are benchmarked on their test split
        if entry.id.split("/")[0] in ("textworld", "alfworld", "scienceworld"):
            assert entry.kwargs["split"] == "test", entry
    one = load_suite("textworld/coin-v0", {"level": 3})
    assert [(e.id, e.kwargs) for e in one.entries] == [("textworld/coin-v0", {"split": "test", "level": 3})]


def test_malformed_suites_are_refused_with_the_reason(tmp_path):
    cases = {
        "missing": ('[[envs]]\nid = "nowhere/thing-v0"\n', "no env registered as 'nowhere/thing-v0'"),
        "typo": ('[[envs]]\nid = "toy/keys-v0"\nkwarg = {}\n', r"unknown key\(s\) \['kwarg'\]"),
        "dupes": ('[[envs]]\nid = "toy/keys-v0"\n[[envs]]\nid = "toy/keys-v0"\n', "distinct `name`s"),
        "empty": ('description = "nothing"\n', "names no env"),
        "zero": ('episodes = 0\n[[envs]]\nid = "toy/keys-v0"\n', "positive integer"),
        "loop": ('include = ["loop"]\n', "include cycle"),
    }
    for name, (text, message) in cases.items():
        with pytest.raises(ConfigError, match=message):
            load_suite(str(write_suite(tmp_path, name, text)))
    with pytest.raises(ConfigError, match="neither a registered env id nor a suite"):
        load_suite("no-such-suite")


class ChatServer(BaseHTTPRequestHandler):
    """An OpenAI-compatible endpoint that always says "look" and fails the requests whose
    number is in ``failing`` (with a 500) — a real server with a real outage."""

    failing: set[int] = set()
    count = 0
    lock = threading.Lock()

    def log_message(self, *args):
        pass

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802
        self._send(200, {"object": "list", "data": [{"id": "looker", "object": "model", "created": 0, "owned_by": "test"}]})

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        with type(self).lock:
            type(self).count += 1
            number = type(self).count
        if number in type(self).failing:
            self._send(500, {"error": {"message": "the model fell over", "type": "server_error"}})
            return
        self._send(200, {"id": "x", "object": "chat.completion", "created": 0, "model": "looker",
                         "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "look"}}],
                         "usage": {"prompt_tokens": 10, "completion_tokens": 1, "total_tokens": 11}})


@pytest.fixture
def chat_server():
    pytest.importorskip("openai")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), ChatServer)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    ChatServer.count, ChatServer.failing = 0, set()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()
    httpd.server_close()


def test_api_failures_are_recorded_and_counted_then_retried_on_resume(tmp_path, chat_server):
    ChatServer.failing = {3, 7}
    out = tmp_path / "api"
    args = ["eval", "--env", "toy/keys-v0", "--policy", "openai:looker", "--episodes", "4", "--out", str(out), "-c", "2",
            "--no-report", "--set", "max_episode_steps=5", "--set", f"policy_kwargs.base_url='{chat_server}'",
            "--set", "policy_kwargs.max_retries=0", "--set", "policy_kwargs.price_in=1.0"]
    assert run_cli(*args).exit_code == 0
    summary = json.loads((out / "summary.json").read_text())["envs"]["toy/keys-v0"]
    assert summary["episodes"] == 4 and summary["errors"] == 2  # never silently dropped
    errored = [e for e in read_episodes(out) if e.error]
    assert len(errored) == 2 and all("the model fell over" in e.error for e in errored)
    assert summary["tokens_in"] == 10 * (ChatServer.count - 2) and summary["tokens_out"] == ChatServer.count - 2
    assert summary["cost_usd"] == pytest.approx(summary["tokens_in"] / 1e6)
    ChatServer.failing = set()
    result = run_cli(*args, "--resume", "--retry-errors")
    assert result.exit_code == 0 and "2 to play" in result.output
    summary = json.loads((out / "summary.json").read_text())["envs"]["toy/keys-v0"]
    assert summary["episodes"] == 4 and summary["errors"] == 0
    assert len(read_episodes(out)) == 6  # the store keeps the errored episodes too: nothing is deleted


def test_bad_input_fails_before_any_work(tmp_path, chat_server):
    def refused(*args: str) -> str:
        result = CliRunner().invoke(app, ["eval", *args], env={"COLUMNS": "300"})
        assert result.exit_code != 0 and isinstance(result.exception, Exception)
        return str(result.exception)

    suite = write_suite(tmp_path, "broken", '[[envs]]\nid = "toy/keys-v0"\n[[envs]]\nid = "textworld/nothing-v0"\n')
    assert "textworld/nothing-v0" in refused("--env", str(suite), "--out", str(tmp_path / "a"))
    assert "cannot reach" in refused("--env", "toy/keys-v0", "--policy", "openai:m", "--out", str(tmp_path / "b"),
                                     "--set", "policy_kwargs.base_url='http://127.0.0.1:9/v1'")
    assert "does not serve the model 'gpt-x'" in refused("--env", "toy/keys-v0", "--policy", "openai:gpt-x", "--out",
                                                         str(tmp_path / "c"), "--set", f"policy_kwargs.base_url='{chat_server}'")
    assert "refuses its arguments" in refused("--env", "toy/keys-v0", "--out", str(tmp_path / "d"), "--set", "env_kwargs.num_rooms=-2")
    assert "unknown EvalConfig key(s) ['episode']" in refused("--env", "toy/keys-v0", "--set", "episode=3")
    assert not any((tmp_path / name).exists() for name in "abcd")  # nothing was written
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    assert "not an agentgym eval run" in refused("--env", "toy/keys-v0", "--out", str(foreign))
    assert run_cli("eval", "--env", "toy/keys-v0", "-n", "2", "--out", str(tmp_path / "run"), "--no-report").exit_code == 0
    assert "pass --resume" in refused("--env", "toy/keys-v0", "-n", "2", "--out", str(tmp_path / "run"))
    assert "holds a different run (episodes: recorded 2, now 3" in refused("--env", "toy/keys-v0", "-n", "3", "--out",
                                                                          str(tmp_path / "run"), "--resume")
    assert (foreign / "notes.txt").read_text() == "mine" and len(read_episodes(tmp_path / "run")) == 2


@pytest.mark.slow
def test_a_killed_eval_resumes_without_repeating_or_losing_episodes(tmp_path):
    out = tmp_path / "killed"
    args = [AGENTGYM, "eval", "--env", "toy/keys-v0", "--policy", "random", "--episodes", "150", "--out", str(out),
            "-c", "1", "--no-report", "--set", "max_episode_steps=20"]
    process = subprocess.Popen(args, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    parts = out / "trajectories"
    deadline = time.time() + 120
    while time.time() < deadline and len(list(parts.glob("[!.]*.parquet")) if parts.is_dir() else []) < 10:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    before = read_episodes(out)
    assert 10 <= len(before) < 150, "the run was not killed mid-way"
    resumed = subprocess.run([*args, "--resume"], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                             env={**os.environ, "COLUMNS": "300"})
    assert resumed.returncode == 0, resumed.stderr
    assert f"{len(before)} of 150 episodes recorded" in resumed.stderr
    episodes = read_episodes(out)
    assert len(episodes) == 150 and len({e.group_id for e in episodes}) == 150  # none repeated, none lost
    assert {e.episode_id for e in before} <= {e.episode_id for e in episodes}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["complete"] and summary["envs"]["toy/keys-v0"]["episodes"] == 150
    assert len(json.loads((out / "manifest.json").read_text())["sessions"]) == 2


@pytest.mark.slow
def test_replay_confirms_a_textworld_episode_and_finds_the_first_difference(tmp_path, module_cache):
    out = tmp_path / "tw"
    assert run_cli("eval", "--env", "textworld/coin-v0", "--policy", "random", "-n", "2", "--out", str(out), "-c", "1",
                   "--no-report", "--set", "env_kwargs.level=1", "--set", "max_episode_steps=8").exit_code == 0
    episode = read_episodes(out)[0]
    result = run_cli("replay", str(out), "--episode", episode.episode_id[:10])
    assert result.exit_code == 0 and f"identical: {episode.num_turns} of {episode.num_turns} turns" in result.output
    # the same actions in another game (the valid split's) differ from the first observation on
    result = run_cli("replay", str(out), "--episode", episode.group_id, "--set", "split=valid")
    assert result.exit_code == 1 and "differs at the first observation" in result.output
    transcript = run_cli("replay", str(out), "--episode", episode.group_id, "--transcript").output
    assert episode.first_observation.splitlines()[0] in transcript and f"> {episode.turns[0].action}" in transcript


@pytest.mark.slow
def test_a_trained_checkpoint_evaluates_as_its_trainer_evaluated_it(tmp_path):
    """The trainer's final evaluation and `agentgym eval` of the checkpoint, in the same context
    with greedy decoding on the same seeds, play the same episodes."""
    pytest.importorskip("transformers")
    from agentgym.train import load_train_config, train

    kwargs = {"num_rooms": 3, "num_locks": 1}
    config = load_train_config(data={
        "name": "tiny", "out_dir": str(tmp_path), "seed": 1,
        "env": {"id": "toy/keys-v0", "kwargs": kwargs, "eval_kwargs": {}, "eval_seed": 100, "workers": 2,
                "context": "window", "window_turns": 1, "max_turns": 6},
        "model": {"vocab_size": 300, "hidden_size": 32, "layers": 1, "heads": 2, "corpus_episodes": 4},
        "sft": {"episodes": 4, "epochs": 3, "minibatch_samples": 8},
        "rl": {"iterations": 1, "tasks_per_iteration": 2, "group_size": 2, "max_new_tokens": 6},
        "eval": {"episodes": 4, "max_new_tokens": 6},
        "log": {"progress": False},
    })
    train(config)
    run = tmp_path / "tiny"
    out = tmp_path / "eval"
    result = run_cli("eval", "--env", "toy/keys-v0", "--policy", f"hf:{run / 'checkpoints' / 'eval_after' / 'model'}",
                     "--episodes", "4", "--seed", "100", "--out", str(out), "-c", "2", "--no-report",
                     "--set", "context=window", "--set", "window_turns=1", "--set", "max_turns=6",
                     "--set", "sampling.temperature=0.0", "--set", "sampling.max_new_tokens=6",
                     "--set", "env_kwargs.num_rooms=3", "--set", "env_kwargs.num_locks=1")
    assert result.exit_code == 0, result.output
    trained = {e.seed: e for e in read_episodes(run) if e.metadata["phase"] == "eval_after"}
    evaluated = {e.seed: e for e in read_episodes(out)}
    assert sorted(evaluated) == sorted(trained) == [100, 101, 102, 103]
    for seed, episode in evaluated.items():
        assert [t.raw_output for t in episode.turns] == [t.raw_output for t in trained[seed].turns]
        assert episode.token_ids == trained[seed].token_ids and episode.success == trained[seed].success
    summary = json.loads((run / "summary.json").read_text())["eval_after"]
    assert json.loads((out / "summary.json").read_text())["envs"]["toy/keys-v0"]["success_rate"] == summary["success_rate"]


def test_an_engine_that_cannot_run_fails_before_any_episode(tmp_path):
    """No Docker engine answers: the SWE suite is refused at once instead of recording errored episodes."""
    pytest.importorskip("docker")
    result = subprocess.run([AGENTGYM, "eval", "--env", "swe", "--out", str(tmp_path / "swe")], capture_output=True, text=True,
                            timeout=120, env={**os.environ, "DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock", "COLUMNS": "300"})
    assert result.returncode == 2 and "no Docker engine answers" in result.stderr and "docker-engine start" in result.stderr
    assert not (tmp_path / "swe").exists()
