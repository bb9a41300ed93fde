"""Trajectory store throughput: agentgym's crash-safe writer and dataset reader against one
plain pyarrow write/read of the same episodes, in one process."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pyarrow.parquet as pq

import agentgym
from agentgym.rollout import run_episode
from agentgym.trajectory import TrajectoryWriter, read_episodes
from agentgym.trajectory.schema import episodes_to_table, table_to_episodes
from benchmarks.common import median_seconds, parse_args, save


def _episodes(n: int):
    env = agentgym.make("toy/keys-v0", max_episode_steps=20)
    policy = agentgym.make_policy("random", seed=0)
    return [run_episode(env, policy, env_id="toy/keys-v0", seed=i) for i in range(n)]


def main() -> None:
    args = parse_args(__doc__)
    n, repeats = (200, 3) if args.quick else (1_000, 3)
    episodes = _episodes(n)
    root = Path(tempfile.mkdtemp(prefix="agentgym-bench-store-"))
    try:
        def fresh(name: str) -> Path:
            path = root / name
            shutil.rmtree(path, ignore_errors=True)
            return path

        def baseline_write() -> None:
            path = fresh("baseline")
            path.mkdir()
            pq.write_table(episodes_to_table(episodes), path / "all.parquet", compression="zstd")

        def writer(flush_every: int):
            def write() -> None:
                with TrajectoryWriter(fresh(f"w{flush_every}"), flush_every=flush_every) as w:
                    w.write_many(episodes)
            return write

        t_base = median_seconds(baseline_write, repeats)
        t_w1 = median_seconds(writer(1), repeats)
        t_w100 = median_seconds(writer(100), repeats)
        t_read_base = median_seconds(lambda: table_to_episodes(pq.read_table(root / "baseline" / "all.parquet")), repeats)
        t_read = median_seconds(lambda: read_episodes(root / "w100"), repeats)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    result = {
        "parameters": {"episodes": n, "repeats": repeats, "mean_turns": sum(e.num_turns for e in episodes) / n},
        "baseline_write_eps_per_s": n / t_base,
        "writer_flush1_eps_per_s": n / t_w1,
        "writer_flush100_eps_per_s": n / t_w100,
        "write_time_ratio_flush1": t_w1 / t_base,
        "write_time_ratio_flush100": t_w100 / t_base,
        "baseline_read_eps_per_s": n / t_read_base,
        "reader_eps_per_s": n / t_read,
        "read_time_ratio": t_read / t_read_base,
    }
    print(f"write episodes/s: one pyarrow file {result['baseline_write_eps_per_s']:,.0f}  "
          f"writer flush_every=1 {result['writer_flush1_eps_per_s']:,.0f} (time x{result['write_time_ratio_flush1']:.1f})  "
          f"flush_every=100 {result['writer_flush100_eps_per_s']:,.0f} (time x{result['write_time_ratio_flush100']:.2f})")
    print(f"read episodes/s: pyarrow.read_table {result['baseline_read_eps_per_s']:,.0f}  "
          f"read_episodes {result['reader_eps_per_s']:,.0f} (time x{result['read_time_ratio']:.2f})")
    print(f"saved {save('store', result, args.out)}")


if __name__ == "__main__":
    main()
