"""The trajectory store's promises: exact round trips, and no loss beyond the episode in flight
when the writer is killed (a real child process, SIGKILL)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

import agentgym
from agentgym import TrajectoryStoreError
from agentgym.rollout import RunSettings, run_episode
from agentgym.trajectory import (
    Episode,
    TrajectoryWriter,
    Turn,
    part_files,
    read_episodes,
    read_run_metadata,
    read_table,
    summarize,
    to_chat_jsonl,
    to_hf_dataset,
)
from agentgym.trajectory.writer import compact_parts


@pytest.fixture(scope="module")
def toy_episodes() -> list[Episode]:
    """1,000 real episodes of the toy env: random and expert play, short time limit."""
    env = agentgym.make("toy/keys-v0", max_episode_steps=8)
    policies = [agentgym.make_policy("random", seed=0), agentgym.make_policy("expert")]
    episodes = [
        run_episode(env, policies[i % 2], env_id="toy/keys-v0", seed=i, run_id="r", group_id=f"g{i // 8}")
        for i in range(1000)
    ]
    env.close()
    return episodes


def rich_episode() -> Episode:
    """An episode with every field set, unicode and nested info included."""
    return Episode(
        env_id="toy/keys-v0", task_id="t-ü", seed=2**40, first_observation="Start 🙂\n",
        turns=[
            Turn(raw_output="<action>go</action>", action="go", observation="", reward=-0.5, terminated=False,
                 info={"nested": {"a": [1, 2.5, None]}, "won": False, "nan": float("nan")},
                 shaped_rewards={"gra": 0.25, "igpo": -1.0}, token_start=3, token_end=7, policy_seconds=0.1, env_seconds=0.2),
            Turn(raw_output="", action="", observation="漢字", reward=1.0, terminated=True, info={}),
        ],
        success=True, terminated=True, group_id="g", policy="hf:/m", goal="win", start_info={"admissible_actions": ["a"]},
        token_ids=[1, 2, 3, 4, 5, 6, 7], loss_mask=[0, 0, 0, 1, 1, 1, 1], logprobs=[0.0, 0.0, 0.0, -0.5, -0.25, -1.5, -0.125],
        started_at=1.7e9, duration_s=0.3, metadata={"temperature": 0.7},
    )


def same(a: Episode, b: Episode) -> bool:
    # NaN != NaN: compare the JSON-level content, which is what must survive.
    return json.dumps(a.__dict__, default=lambda o: o.__dict__, sort_keys=True) == json.dumps(b.__dict__, default=lambda o: o.__dict__, sort_keys=True)


@pytest.mark.parametrize("flush_every, compact", [(1, False), (1, True), (64, True)])
def test_one_thousand_episodes_round_trip_exactly(tmp_path, toy_episodes, flush_every, compact):
    with TrajectoryWriter(tmp_path, flush_every=flush_every, compact=compact) as writer:
        writer.write_many(toy_episodes)
    assert read_episodes(tmp_path) == toy_episodes
    files = part_files(tmp_path)
    assert len(files) == (1 if compact else 1000)
    assert writer.episodes_written == 1000


def test_every_field_round_trips(tmp_path):
    episode = rich_episode()
    with TrajectoryWriter(tmp_path) as writer:
        writer.write(episode)
    (back,) = read_episodes(tmp_path)
    assert same(back, episode)
    assert back.turns[0].info["nested"] == {"a": [1, 2.5, None]}
    assert back.logprobs == episode.logprobs and back.seed == 2**40


def test_the_table_has_the_documented_columns_and_provenance(tmp_path, toy_episodes):
    with TrajectoryWriter(tmp_path / "run" / "trajectories", run_config={"lr": 1e-5, "env": "toy/keys-v0"},
                          env_versions={"textworld": "1.7.0"}) as writer:
        writer.write_many(toy_episodes[:10])
    table = read_table(tmp_path / "run")  # a run dir is accepted too
    for column in ("episode_id", "env_id", "task_id", "seed", "turns", "return", "success", "num_turns"):
        assert column in table.column_names
    assert table.column("return").to_pylist() == [e.return_ for e in toy_episodes[:10]]
    meta = read_run_metadata(tmp_path / "run")
    assert meta["schema_version"] == 1 and meta["agentgym_version"] == agentgym.__version__
    assert meta["env_versions"] == {"textworld": "1.7.0"} and meta["run_config"]["lr"] == 1e-5


def test_projection_and_filter(tmp_path, toy_episodes):
    with TrajectoryWriter(tmp_path, flush_every=100) as writer:
        writer.write_many(toy_episodes[:200])
    table = read_table(tmp_path, columns=["episode_id", "success"], filter=ds.field("success") == True)  # noqa: E712
    expected = [e.episode_id for e in toy_episodes[:200] if e.success]
    assert table.column_names == ["episode_id", "success"] and table.column("episode_id").to_pylist() == expected
    assert 0 < len(expected) < 200


CHILD = textwrap.dedent(
    """
    import sys
    import agentgym
    from agentgym.rollout import run_episode
    from agentgym.trajectory import TrajectoryWriter

    env = agentgym.make("toy/keys-v0", max_episode_steps=6)
    policy = agentgym.make_policy("random", seed=1)
    writer = TrajectoryWriter(sys.argv[1], flush_every=1, compact=True)
    i = 0
    while True:  # until killed
        episode = run_episode(env, policy, env_id="toy/keys-v0", seed=i)
        writer.write(episode)
        print(episode.episode_id, flush=True)
        i += 1
    """
)


@pytest.mark.slow
def test_a_killed_writer_loses_at_most_the_episode_in_flight(tmp_path):
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    out = tmp_path / "traj"
    child = subprocess.Popen([sys.executable, str(script), str(out)], stdout=subprocess.PIPE, text=True)
    written = []
    try:
        while len(written) < 60:
            line = child.stdout.readline()
            assert line, "the child writer died early"
            written.append(line.strip())
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    ids = [e.episode_id for e in read_episodes(out)]
    assert len(ids) == len(set(ids)), "an episode was read twice"
    assert set(written) <= set(ids), "an episode the writer reported as written was lost"
    assert len(ids) - len(written) <= 2, "more than the episodes in flight/unreported appeared"
    for part in part_files(out):
        pq.read_table(part)  # every part on disk is complete


def test_temporary_files_are_ignored(tmp_path, toy_episodes):
    with TrajectoryWriter(tmp_path, compact=False) as writer:
        writer.write_many(toy_episodes[:3])
    (tmp_path / ".part-9999.parquet.abc.tmp").write_bytes(b"PAR1 half a file")
    (tmp_path / ".part-9999.parquet").write_bytes(b"garbage")
    assert len(read_episodes(tmp_path)) == 3


def test_a_kill_during_compaction_duplicates_nothing(tmp_path, toy_episodes):
    with TrajectoryWriter(tmp_path, compact=False) as writer:
        writer.write_many(toy_episodes[:5])
    parts = part_files(tmp_path)
    aside = tmp_path / "aside"
    aside.mkdir()
    for part in parts:
        shutil.copy(part, aside / part.name)
    compact_parts(parts)
    for part in parts:  # the state a kill after the rename, before the deletions, leaves
        shutil.copy(aside / part.name, part)
    shutil.rmtree(aside)
    assert read_episodes(tmp_path) == toy_episodes[:5]
    assert len(part_files(tmp_path)) == 1


def test_newer_schema_versions_are_refused(tmp_path, toy_episodes):
    with TrajectoryWriter(tmp_path) as writer:
        writer.write(toy_episodes[0])
    (part,) = part_files(tmp_path)
    table = pq.read_table(part)
    pq.write_table(table.replace_schema_metadata({**table.schema.metadata, b"agentgym.schema_version": b"99"}), part)
    with pytest.raises(TrajectoryStoreError, match="upgrade agentgym"):
        read_episodes(tmp_path)


def test_bad_input(tmp_path, toy_episodes):
    writer = TrajectoryWriter(tmp_path / "w")
    with pytest.raises(TrajectoryStoreError, match="Episode"):
        writer.write({"episode_id": "x"})
    writer.close()
    with pytest.raises(TrajectoryStoreError, match="closed"):
        writer.write(toy_episodes[0])
    with pytest.raises(ValueError, match="flush_every"):
        TrajectoryWriter(tmp_path / "v", flush_every=0)
    with pytest.raises(TrajectoryStoreError, match="no trajectory directory"):
        read_episodes(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    assert read_episodes(tmp_path / "empty") == []
    (tmp_path / "empty" / "part-0.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(TrajectoryStoreError, match="part-0.parquet"):
        read_episodes(tmp_path / "empty")


def test_chat_jsonl_export(tmp_path, toy_episodes):
    with TrajectoryWriter(tmp_path / "t") as writer:
        writer.write_many(toy_episodes[:20])
    count = to_chat_jsonl(tmp_path / "t", tmp_path / "sft.jsonl", system_prompt="Play.")
    lines = [json.loads(line) for line in (tmp_path / "sft.jsonl").read_text().splitlines()]
    assert count == len(lines) == 20
    for record, episode in zip(lines, toy_episodes):
        roles = [m["role"] for m in record["messages"]]
        assert roles == ["system", "user"] + ["assistant", "user"] * episode.num_turns
        assert record["messages"][1]["content"] == episode.first_observation
        assert [m["content"] for m in record["messages"][2::2]] == [t.raw_output for t in episode.turns]
        assert record["success"] == episode.success and record["return"] == episode.return_
    wins = to_chat_jsonl(tmp_path / "t", tmp_path / "wins.jsonl", only_success=True)
    assert wins == sum(e.success for e in toy_episodes[:20]) > 0


def test_hugging_face_export(tmp_path, toy_episodes):
    with TrajectoryWriter(tmp_path) as writer:
        writer.write_many(toy_episodes[:30])
    dataset = to_hf_dataset(tmp_path)
    assert dataset.num_rows == 30
    assert dataset["episode_id"] == [e.episode_id for e in toy_episodes[:30]]
    assert {"return", "success", "turns", "num_turns"} <= set(dataset.column_names)


def test_summary_numbers_by_hand():
    def ep(success, rewards, valid):
        turns = [Turn(raw_output="a", action="a", observation="o", reward=r, info={"action_valid": v}) for r, v in zip(rewards, valid)]
        return Episode(env_id="e/x-v0", task_id="t", seed=0, first_observation="s", turns=turns, success=success, duration_s=1.5)

    episodes = [ep(True, [1.0, 2.0], [True, True]), ep(False, [0.0], [False]), ep(False, [0.5, 0.5, 0.0], [True, False, True]), ep(True, [], [])]
    s = summarize(episodes)
    assert s["episodes"] == 4 and s["success_rate"] == 0.5
    assert s["success_se"] == pytest.approx((0.5 * 0.5 / 4) ** 0.5)  # 0.25
    assert s["mean_return"] == pytest.approx((3.0 + 0.0 + 1.0 + 0.0) / 4)
    assert s["mean_turns"] == pytest.approx(6 / 4)
    assert s["valid_action_rate"] == pytest.approx(4 / 6)
    assert s["wall_seconds"] == pytest.approx(6.0)
    assert summarize([])["success_rate"] is None
