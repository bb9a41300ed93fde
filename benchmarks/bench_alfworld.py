"""ALFWorld: agentgym's env against the engine stack ALFWorld's own ``AlfredTWEnv`` builds, per id;
game generation time and reset times.

For each generated id (seed 0, a fresh cache) the first reset generates the game (timed: the
draw, Fast Downward's plan and its check). The baseline is TextWorld's ``PddlEnv`` wrapped in
ALFWorld's ``AlfredDemangler`` and ``AlfredInfos``, requesting what ALFWorld's training loop
requests (admissible commands, won, the game file); agentgym's env also computes the hand-coded
expert's action and the rubric at every step. Both replay the same fixed walk of admissible
actions (drawn once with a seeded RNG, from a reset whenever the game ends); steps and resets
are timed separately (a reset of the game already loaded; upstream's translates the problem
again at every reset), and so is the first reset of the cached game in a new env (loading it
from its cache entry, whose ``game.compiled`` holds the parse and Fast Downward's translations:
no translation runs; the new env's engine also loads its own copy of Fast Downward's library).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time

import agentgym
from benchmarks.bench_textworld import timed_replay, walk
from benchmarks.common import median_seconds, parse_args, save

TASKS = ("pick", "clean", "heat", "cool", "examine", "pick-two")


def main() -> None:
    args = parse_args(__doc__)
    import textworld
    from alfworld.agents.environment.alfred_tw_env import AlfredDemangler, AlfredInfos

    steps, repeats = (60, 2) if args.quick else (300, 5)
    os.environ["AGENTGYM_CACHE"] = tempfile.mkdtemp(prefix="agentgym-bench-")
    requested = textworld.EnvInfos(feedback=True, won=True, admissible_commands=True, extras=["gamefile"])
    rows = {}
    for task in TASKS:
        env_id = f"alfworld/{task}-v0"
        ours = agentgym.make(env_id, max_episode_steps=10**6)
        start = time.perf_counter()
        _, info = ours.reset(seed=0)
        generation = time.perf_counter() - start
        fresh = agentgym.make(env_id)
        start = time.perf_counter()
        fresh.reset(seed=0)  # a cache hit in a new env: loaded from game.compiled, no translation
        load = time.perf_counter() - start
        fresh.close()
        actions = walk(ours, steps, seed=1)
        upstream = textworld.start(info["game_file"], request_infos=requested, wrappers=[AlfredDemangler(), AlfredInfos])
        t_up_reset = median_seconds(upstream.reset, repeats)
        t_reset = median_seconds(lambda: ours.reset(seed=0), repeats)
        t_up = timed_replay(upstream.reset, upstream.step, actions, repeats)
        t_ours = timed_replay(lambda: ours.reset(seed=0), ours.step, actions, repeats)
        rows[env_id] = {"generation_s": generation, "cached_load_ms": load * 1000, "upstream_reset_ms": t_up_reset * 1000, "agentgym_reset_ms": t_reset * 1000,
                        "upstream_steps_per_s": 1 / t_up, "agentgym_steps_per_s": 1 / t_ours, "speedup": t_up / t_ours}
        r = rows[env_id]
        print(f"{env_id:21s} generate {generation:5.2f} s  load cached {load * 1000:5.0f} ms  reset: upstream {r['upstream_reset_ms']:6.0f} ms  agentgym "
              f"{r['agentgym_reset_ms']:4.0f} ms  steps/s: upstream {r['upstream_steps_per_s']:5.1f}  agentgym "
              f"{r['agentgym_steps_per_s']:5.0f}  x{r['speedup']:.0f}", flush=True)
        upstream.close()
        ours.close()
    speedups = [r["speedup"] for r in rows.values()]
    print(f"median speedup x{statistics.median(speedups):.0f}")
    result = {"parameters": {"steps": steps, "repeats": repeats}, "ids": rows}
    print(f"saved {save('alfworld', result, args.out)}")


if __name__ == "__main__":
    main()
