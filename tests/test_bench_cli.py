"""``agentgym bench env | rollout | sandbox``: real envs, a real (tiny) model, real containers.

The figures are checked for consistency (counts add up, rates match their parts), never
against timing thresholds: the machines are shared and noisy.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import agentgym
from agentgym.bench import FALLBACK_ACTIONS, BenchError, MemoryProbe, bench_env, bench_rollout, percentile
from agentgym.cli.bench import bench_app
from agentgym.errors import ConfigError, EnvIdError

ROOT = Path(__file__).resolve().parents[1]

APP = typer.Typer()
APP.add_typer(bench_app, name="bench")  # as agentgym/cli/app.py mounts it


@APP.callback()
def _root() -> None:
    """A group, so that ``bench`` is a subcommand as in ``agentgym bench``."""


def bench(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(APP, ["bench", *args], env={"COLUMNS": "200", **(env or {})})


@pytest.fixture
def torch_threads():
    """``--torch-threads`` sets a process-wide torch setting: put it back for the other tests."""
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


def _machine_ok(data: dict) -> None:
    machine = data["machine"]
    assert machine["cpus"] >= 1 and machine["agentgym"] == agentgym.__version__
    assert machine["python"].count(".") == 2 and machine["date"][:2] == "20"


# -- env ------------------------------------------------------------------------------------
def test_env_bench_toy_prints_a_table_and_writes_consistent_json(tmp_path):
    out = tmp_path / "figures" / "toy.json"
    result = bench("env", "toy/keys-v0", "--steps", "300", "--resets", "3", "--seed", "4", "--set", "num_rooms=4",
                   "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "bench env toy/keys-v0" in result.stdout and "steps/s" in result.stdout and "warm reset" in result.stdout
    data = json.loads(out.read_text())
    _machine_ok(data)
    assert data["bench"] == "env" and data["env_id"] == "toy/keys-v0" and data["env_kwargs"] == {"num_rooms": 4}
    assert data["seed"] == 4 and data["warm_resets"] == 3
    assert data["steps"] == 300 and data["admissible_steps"] == 300 and data["fallback_steps"] == 0  # the toy env lists its actions
    assert data["invalid_actions"] == 0  # every action came from the env's own list
    assert data["episodes_ended"] >= 1  # random play in 4 rooms ends episodes (the time limit at least)
    for key in ("make_s", "cold_reset_s", "warm_reset_s", "step_s", "loop_s"):
        assert data[key] > 0, key
    assert data["warm_reset_p90_s"] >= data["warm_reset_s"]
    assert data["loop_s"] >= data["step_s"]  # the loop holds the steps and the resets between episodes
    assert math.isclose(data["steps_per_s"], data["steps"] / data["step_s"])
    memory = data["memory"]
    assert memory["peak_rss_mib"] > 0 and memory["source"] in ("/proc", "resource")
    if memory["rss_before_mib"] is not None and memory["peak_scope"] == "bench":
        assert memory["peak_rss_mib"] >= memory["rss_before_mib"] * 0.9  # resident pages may be reclaimed, not gained


def test_env_bench_plays_the_fallback_actions_where_the_env_lists_none(clean_registry):
    seen: list[str] = []

    class Silent(agentgym.TextEnv):
        """Lists no admissible actions; ends an episode every third step."""

        def _reset(self, options):
            self.t = 0
            return "Say something.", {"task_id": "silent", "admissible_actions": None}

        def _step(self, action):
            seen.append(action)
            self.t += 1
            return "ok", 0.0, self.t == 3, False, {"task_id": "silent", "admissible_actions": None, "action_valid": action == "jump"}

    agentgym.register("bench/silent-v0", entry_point=Silent)
    result = bench_env("bench/silent-v0", steps=40, resets=1, fallback_actions=("jump", "sing"))
    assert result.steps == result.fallback_steps == len(seen) == 40 and result.admissible_steps == 0
    assert set(seen) == {"jump", "sing"}  # random over the list given, both drawn in 40 steps
    assert result.invalid_actions == seen.count("sing") and result.episodes_ended == 13
    again: list[str] = list(seen)
    seen.clear()
    bench_env("bench/silent-v0", steps=40, resets=1, fallback_actions=("jump", "sing"))
    assert seen == again  # the random policy is seeded: the same seed plays the same actions
    assert "look" in FALLBACK_ACTIONS  # the default list starts from what text games understand


@pytest.mark.slow
def test_env_bench_on_a_textworld_game_generated_on_the_cold_reset(tmp_path, monkeypatch):
    pytest.importorskip("textworld")
    monkeypatch.setenv("AGENTGYM_CACHE", str(tmp_path / "cache"))
    result = bench_env("textworld/coin-v0", steps=60, resets=2, env_kwargs={"level": 1})
    assert len(list((tmp_path / "cache" / "textworld").rglob("game.z8"))) == 1  # generated by the cold reset, then reused
    assert result.steps == result.admissible_steps == 60 and result.invalid_actions == 0
    assert result.cold_reset_s > 0 and result.warm_reset_s > 0 and result.steps_per_s > 0
    assert result.memory.peak_rss_mib > 0 and result.env_kwargs == {"level": 1}


def test_env_bench_refuses_bad_input_with_clear_errors(tmp_path):
    unknown = bench("env", "toy/keys-v9")
    assert unknown.exit_code == 2 and "no env registered as 'toy/keys-v9'" in unknown.stderr and "toy/keys-v0" in unknown.stderr
    no_steps = bench("env", "toy/keys-v0", "--steps", "0")
    assert no_steps.exit_code == 2 and "--steps must be at least 1, got 0" in no_steps.stderr
    bad_kwarg = bench("env", "toy/keys-v0", "--set", "colour=red")
    assert bad_kwarg.exit_code == 2 and "refuses its arguments {'colour': 'red'}" in bad_kwarg.stderr
    to_dir = bench("env", "toy/keys-v0", "--out", str(tmp_path))
    assert to_dir.exit_code == 2 and "is a directory" in to_dir.stderr
    with pytest.raises(EnvIdError):
        bench_env("nope/nothing-v0")
    with pytest.raises(ConfigError, match="--resets"):
        bench_env("toy/keys-v0", resets=0)


# -- memory ---------------------------------------------------------------------------------
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_memory_probe_sees_a_child_process_and_its_peak():
    probe = MemoryProbe()
    probe.start()
    child = subprocess.Popen([sys.executable, "-c", "import sys, time; x = b'x' * (64 * 2**20); print('ready', flush=True); time.sleep(30)"],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        figures = probe.figures()
    finally:
        child.kill()
        child.wait()
    assert figures.children >= 1 and figures.children_peak_rss_mib >= 64  # the 64 MiB it wrote
    assert figures.source == "/proc" and figures.peak_rss_mib > 0


def test_percentile_matches_the_interpolated_order_statistic():
    assert percentile([4.0, 1.0, 3.0, 2.0], 90) == pytest.approx(3.7)  # position 0.9 * 3 = 2.7: 3 + 0.7 * (4 - 3)
    assert percentile([5.0], 90) == 5.0 and percentile([1.0, 2.0, 3.0], 50) == 2.0
    with pytest.raises(ValueError):
        percentile([], 50)


# -- rollout --------------------------------------------------------------------------------
@pytest.mark.slow
def test_rollout_bench_tiny_model_over_workers_against_one_env(tmp_path, torch_threads):
    out = tmp_path / "rollout.json"
    result = bench("rollout", "--envs", "2", "--episodes", "4", "--max-turns", "3", "--max-new-tokens", "8",
                   "--torch-threads", "1", "--baseline", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "tokens/s" in result.stdout and "one env" in result.stdout and "ratio" in result.stdout
    data = json.loads(out.read_text())
    _machine_ok(data)
    assert data["policy"] == "tiny" and data["context"] == "concat" and data["pool"] == "subprocess" and data["torch_threads"] == 1
    pooled, alone = data["pooled"], data["baseline"]
    assert pooled["envs"] == 2 and alone["envs"] == 1
    for run in (pooled, alone):
        assert run["episodes"] == 4 and run["errors"] == 0
        assert 4 <= run["turns"] <= 4 * 3
        assert 0 < run["generated_tokens"] <= run["turns"] * 8  # at most max_new_tokens a turn
        assert round(run["rounds"] * run["batch_mean"]) == run["turns"]  # one request per turn
        assert math.isclose(run["tokens_per_s"], run["generated_tokens"] / run["wall_s"])
        assert math.isclose(run["episodes_per_s"], run["episodes"] / run["wall_s"])
        assert math.isclose(run["policy_s"] + run["env_s"] + run["overhead_s"], run["wall_s"], rel_tol=1e-6)
        assert run["pool_start_s"] > 0
    assert pooled["batch_max"] <= 2 and alone["batch_max"] == alone["batch_min"] == 1
    assert math.isclose(data["tokens_speedup"], pooled["tokens_per_s"] / alone["tokens_per_s"])
    assert math.isclose(data["episodes_speedup"], pooled["episodes_per_s"] / alone["episodes_per_s"])


def test_rollout_bench_scripted_policy_in_process():
    result = bench_rollout("toy/keys-v0", envs=3, episodes=6, policy="expert", pool="inprocess", max_turns=50)
    assert result.context == "text" and result.torch_threads is None and result.baseline is None
    figures = result.pooled
    assert figures.episodes == 6 and figures.success_rate == 1.0  # the expert solves the toy task
    assert figures.generated_tokens == 0 and figures.tokens_per_s == 0 and figures.batch_max <= 3
    assert figures.turns_per_s == pytest.approx(figures.turns / figures.wall_s)


def test_rollout_bench_refuses_bad_input_with_clear_errors():
    unknown_env = bench("rollout", "--env", "toy/keyz-v0")
    assert unknown_env.exit_code == 2 and "toy/keys-v0" in unknown_env.stderr
    no_envs = bench("rollout", "--envs", "0")
    assert no_envs.exit_code == 2 and "--envs must be at least 1, got 0" in no_envs.stderr
    unknown_policy = bench("rollout", "--policy", "nosuch")
    assert unknown_policy.exit_code == 2 and "unknown policy 'nosuch'" in unknown_policy.stderr and "tiny" in unknown_policy.stderr
    no_tokenizer = bench("rollout", "--policy", "random", "--context", "concat", "--pool", "inprocess")
    assert no_tokenizer.exit_code == 2 and "choose --context text" in no_tokenizer.stderr
    bad_context = bench("rollout", "--context", "chat")
    assert bad_context.exit_code == 2 and "--context must be one of text, concat, window" in bad_context.stderr


# -- sandbox --------------------------------------------------------------------------------
def test_sandbox_bench_without_an_engine_says_how_to_start_one(tmp_path):
    pytest.importorskip("docker")
    code = "from agentgym.cli.bench import bench_app; bench_app(['sandbox', '--execs', '1'])"
    env = {**os.environ, "DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock", "COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "needs a Docker engine" in done.stderr and "sandbox/scripts/docker-engine start" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.docker
def test_sandbox_bench_measures_exec_and_a_warm_pool(docker_engine, tmp_path):
    mine = {"label": f"agentgym.pid={os.getpid()}"}
    before = {c.id for c in docker_engine.containers.list(all=True, filters=mine)}
    out = tmp_path / "sandbox.json"
    result = bench("sandbox", "--execs", "5", "--pool", "2", "--acquires", "3", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "Sandbox.exec" in result.stdout and "exec_run" in result.stdout and "warm pool of 2" in result.stdout
    data = json.loads(out.read_text())
    _machine_ok(data)
    assert data["sandbox_exec"]["count"] == data["raw_exec"]["count"] == 5 and data["warm_acquire"]["count"] == 3
    for name in ("sandbox_exec", "raw_exec", "warm_acquire"):
        latency = data[name]
        assert 0 < latency["min_ms"] <= latency["median_ms"] <= latency["p90_ms"] <= latency["max_ms"], name
    assert math.isclose(data["exec_ratio"], data["sandbox_exec"]["median_ms"] / data["raw_exec"]["median_ms"])
    assert data["pool"] == 2 and data["start_s"] > 0 and data["pool_fill_s"] > 0
    after = {c.id for c in docker_engine.containers.list(all=True, filters=mine)}
    assert after <= before  # the bench removed every container it started
    with pytest.raises(ConfigError, match="--pool"):
        from agentgym.bench import bench_sandbox

        bench_sandbox(pool=0)
    assert issubclass(BenchError, agentgym.AgentGymError)
