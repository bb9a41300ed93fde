"""Performance measurements of a user's own set-up, behind ``agentgym bench``.

* :func:`bench_env` — make, cold and warm reset, random-policy steps/s and peak memory of one env;
* :func:`bench_rollout` — collection throughput over an env pool (tokens/s, episodes/s, the
  time split and batch sizes), optionally against one env at a time;
* :func:`bench_sandbox` — ``Sandbox.exec`` latency against a raw docker ``exec_run``, and a warm
  pool's acquire.

Each returns a dataclass of figures (``to_dict()`` for JSON) and prints nothing; the CLI
(:mod:`agentgym.cli.bench`) prints them and writes them with :func:`write_json`. These measure
what one machine does now; ``benchmarks/`` compares agentgym against upstream baselines.
"""

from agentgym.bench.common import BenchError, machine_info, percentile, write_json
from agentgym.bench.env import FALLBACK_ACTIONS, EnvBench, bench_env
from agentgym.bench.memory import MemoryFigures, MemoryProbe
from agentgym.bench.rollout import CollectFigures, RolloutBench, bench_rollout, build_policy
from agentgym.bench.sandbox import Latency, SandboxBench, bench_sandbox

__all__ = ["FALLBACK_ACTIONS", "BenchError", "CollectFigures", "EnvBench", "Latency", "MemoryFigures", "MemoryProbe",
           "RolloutBench", "SandboxBench", "bench_env", "bench_rollout", "bench_sandbox", "build_policy", "machine_info",
           "percentile", "write_json"]
