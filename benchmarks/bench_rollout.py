"""Rollout collection: batched against one env at a time (generated tokens/s, same model and
episodes), and an env pool of subprocess workers against one env in this process (steps/s);
the time split (policy, env, overhead) of the batched run.

1. The ``hf`` policy (the tiny random-weight Llama of ``policies.tiny`` on CPU, offline
   tokenizer), token-exact ``concat`` episodes of ``toy/keys-v0`` (4 turns, 16 new tokens a
   turn): 48 episodes collected 16 envs at a time (one ``generate`` call per round for all
   waiting envs) against the same 48 episodes played one after the other with
   ``run_episode``; the median of 3 repeats.
2. ``textworld/coin-v0`` (level 5, one cached game), the random policy, 64 episodes: 8 envs
   in a ``SubprocessPool`` (``batch_wait_s=0``: the policy is cheap, so no env waits for
   another) against one env in-process playing the same episodes; the median of 3 repeats.
   On 2 cores the ceiling is below 2x: a worker's step costs ~2.4 ms of CPU against ~2.2 ms
   in process (pipe, pickling, a cache that went cold while it slept), and the parent spends
   ~0.2 ms a step collecting.
The policies' issue asks for at least 4x (1) and 1.6x (2).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time

import agentgym
from agentgym.policy import SamplingParams
from agentgym.rollout import CollectStats, EnvFactory, EpisodeSpec, InProcessPool, RunSettings, SubprocessPool, collect, run_episode
from benchmarks.common import parse_args, save


def batched_vs_sequential(envs: int, episodes: int, repeats: int) -> dict:
    from policies.hf import HFPolicy
    from policies.tiny import offline_tokenizer, tiny_config

    observation, _ = agentgym.make("toy/keys-v0").reset(seed=0)
    tokenizer = offline_tokenizer([observation, "go north", "take red key"] * 20, "chatml")
    policy = HFPolicy.from_config(tiny_config(tokenizer), tokenizer, device="cpu")
    settings = RunSettings(context="concat", max_turns=4, sampling=SamplingParams(max_new_tokens=16))
    specs = [EpisodeSpec("toy/keys-v0", seed) for seed in range(episodes)]
    env = agentgym.make("toy/keys-v0")
    rates_alone, rates_batched, stats = [], [], CollectStats()
    for _ in range(repeats):
        start = time.perf_counter()
        alone = [run_episode(env, policy, env_id="toy/keys-v0", seed=s.seed, settings=settings) for s in specs]
        rates_alone.append(sum(sum(e.loss_mask) for e in alone) / (time.perf_counter() - start))
        stats = CollectStats()
        pool = InProcessPool([EnvFactory("toy/keys-v0")] * envs)
        start = time.perf_counter()
        batched = list(collect(pool, policy, specs, settings=settings, stats=stats))
        rates_batched.append(sum(sum(e.loss_mask) for e in batched) / (time.perf_counter() - start))
        pool.close()
    alone_rate, batched_rate = statistics.median(rates_alone), statistics.median(rates_batched)
    return {"envs": envs, "episodes": episodes, "repeats": repeats, "sequential_tokens_per_s": alone_rate,
            "batched_tokens_per_s": batched_rate, "speedup": batched_rate / alone_rate,
            "split": {"policy_s": stats.policy_s, "env_s": stats.env_s, "overhead_s": stats.overhead_s, "wall_s": stats.wall_s}}


def pool_vs_one(workers: int, steps_per_env: int, repeats: int) -> dict:
    os.environ.setdefault("AGENTGYM_CACHE", tempfile.mkdtemp(prefix="agentgym-bench-"))
    factory = EnvFactory("textworld/coin-v0", {"level": 5, "max_episode_steps": steps_per_env})
    agentgym.make("textworld/coin-v0", level=5).reset(seed=0)  # generate the game once, outside the timing
    policy = agentgym.make_policy("random")
    # eight episodes per worker, so the tail (workers idle once the last specs are taken) stays short
    specs = [EpisodeSpec("textworld/coin-v0", 0, sampling_seed=k) for k in range(8 * workers)]
    rates_one, rates_pool = [], []
    with InProcessPool([factory]) as one, SubprocessPool([factory] * workers) as pool:
        for i in range(workers):
            pool.reset(i, 0)  # the workers are up (spawned and imported) before the clock starts
        for _ in range(repeats):
            start = time.perf_counter()
            alone = list(collect(one, policy, specs))
            rates_one.append(sum(e.num_turns for e in alone) / (time.perf_counter() - start))
            start = time.perf_counter()
            together = list(collect(pool, policy, specs, batch_wait_s=0.0))  # a cheap policy: no env waits for another
            rates_pool.append(sum(e.num_turns for e in together) / (time.perf_counter() - start))
    speedups = sorted(p / o for p, o in zip(rates_pool, rates_one))
    return {"workers": workers, "episodes": len(specs), "repeats": repeats, "one_env_steps_per_s": statistics.median(rates_one),
            "pool_steps_per_s": statistics.median(rates_pool), "speedup": statistics.median(speedups),
            "speedup_range": [speedups[0], speedups[-1]]}


def main() -> None:
    args = parse_args(__doc__)
    batched = batched_vs_sequential(16, episodes=16 if args.quick else 48, repeats=1 if args.quick else 3)
    split = batched["split"]
    print(f"hf policy, 16 toy envs, {batched['episodes']} episodes, concat: one at a time {batched['sequential_tokens_per_s']:.0f} tokens/s  batched "
          f"{batched['batched_tokens_per_s']:.0f} tokens/s  x{batched['speedup']:.1f}  (batched time: policy {split['policy_s']:.2f} s, "
          f"env {split['env_s']:.2f} s, overhead {split['overhead_s']:.2f} s)", flush=True)
    pooled = pool_vs_one(8, 40 if args.quick else 150, repeats=1 if args.quick else 3)
    print(f"textworld/coin-v0, random policy: one env {pooled['one_env_steps_per_s']:.0f} steps/s  8 subprocess workers "
          f"{pooled['pool_steps_per_s']:.0f} steps/s  x{pooled['speedup']:.2f} (median of {pooled['repeats']}; "
          f"x{pooled['speedup_range'][0]:.2f}-{pooled['speedup_range'][1]:.2f})")
    print(f"saved {save('rollout', {'batched': batched, 'pool': pooled}, args.out)}")


if __name__ == "__main__":
    main()
