"""TextWorld: agentgym's step against the raw TextWorld step with the same requested infos, per id;
game generation time and the reset time of a cached game.

For each generated id (seed 0, a fresh cache): the first reset generates and compiles the game
(timed), later resets load it from the cache (median). A fixed walk of admissible actions
(drawn once with a seeded RNG, replayed from a reset whenever the game ends) is stepped through
``textworld.gym`` (TextWorld's Gym interface), through ``textworld.start`` (the engine it wraps),
and through ``agentgym.make(id)`` (normalisation, time limit, info dict); the same infos
are requested from all three (feedback, description, objective, admissible and policy
commands, score, max score, won, lost). Resets are not timed. The TextWorld issue asks for at
most 10% more than the raw step.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time

import numpy as np

import agentgym
from benchmarks.common import median_seconds, parse_args, save

IDS = {"simple": {}, "cooking": {}, "coin": {}, "treasure": {}, "custom": {"world_size": 3, "nb_objects": 5, "quest_length": 3}}


def walk(env, steps: int, seed: int) -> list[str]:
    """A fixed sequence of admissible actions, restarting the game whenever it ends."""
    rng = np.random.default_rng(seed)
    actions: list[str] = []
    _, info = env.reset(seed=0)
    while len(actions) < steps:
        action = info["admissible_actions"][int(rng.integers(len(info["admissible_actions"])))]
        actions.append(action)
        _, _, terminated, truncated, info = env.step(action)
        if terminated or truncated:
            actions.append("<reset>")
            _, info = env.reset(seed=0)
    return actions


def timed_replay(reset, step, actions: list[str], repeats: int) -> float:
    """Median seconds per step over ``repeats`` replays of ``actions`` (resets not timed)."""
    per_step = []
    for _ in range(repeats + 1):  # the first replay warms up
        reset()
        elapsed, n = 0.0, 0
        for action in actions:
            if action == "<reset>":
                reset()
                continue
            start = time.perf_counter()
            step(action)
            elapsed += time.perf_counter() - start
            n += 1
        per_step.append(elapsed / n)
    return statistics.median(per_step[1:])


def main() -> None:
    args = parse_args(__doc__)
    import gymnasium
    import textworld
    import textworld.gym

    steps, repeats = (60, 2) if args.quick else (300, 5)
    os.environ["AGENTGYM_CACHE"] = tempfile.mkdtemp(prefix="agentgym-bench-")
    infos = textworld.EnvInfos(feedback=True, description=True, objective=True, admissible_commands=True,
                               policy_commands=True, score=True, max_score=True, won=True, lost=True)
    rows = {}
    for kind, params in IDS.items():
        env_id = f"textworld/{kind}-v0"
        ours = agentgym.make(env_id, max_episode_steps=10**6, **params)
        start = time.perf_counter()
        _, info = ours.reset(seed=0)
        generation = time.perf_counter() - start
        cached_reset = median_seconds(lambda: ours.reset(seed=0), repeats)
        gamefile = info["game_file"]
        actions = walk(ours, steps, seed=1)

        raw = textworld.start(gamefile, request_infos=infos)
        gym_id = textworld.gym.register_game(gamefile, request_infos=infos, max_episode_steps=10**6)
        gym_env = gymnasium.make(gym_id) if gym_id in gymnasium.registry else textworld.gym.make(gym_id)
        t_raw = timed_replay(raw.reset, raw.step, actions, repeats)
        t_gym = timed_replay(gym_env.reset, gym_env.step, actions, repeats)
        t_ours = timed_replay(lambda: ours.reset(seed=0), ours.step, actions, repeats)
        rows[env_id] = {
            "generation_s": generation, "cached_reset_ms": cached_reset * 1000,
            "textworld_start_steps_per_s": 1 / t_raw, "textworld_gym_steps_per_s": 1 / t_gym,
            "agentgym_steps_per_s": 1 / t_ours, "overhead_vs_start": t_ours / t_raw - 1, "overhead_vs_gym": t_ours / t_gym - 1,
        }
        r = rows[env_id]
        print(f"{env_id:22s} generate {generation:5.2f} s  cached reset {r['cached_reset_ms']:5.1f} ms  steps/s: "
              f"textworld.start {r['textworld_start_steps_per_s']:5.0f}  textworld.gym {r['textworld_gym_steps_per_s']:5.0f}  "
              f"agentgym {r['agentgym_steps_per_s']:5.0f}  overhead {r['overhead_vs_start']:+.1%} vs start, {r['overhead_vs_gym']:+.1%} vs gym",
              flush=True)
        raw.close()
        gym_env.close()
        ours.close()
    result = {"parameters": {"steps": steps, "repeats": repeats, "ids": IDS}, "ids": rows}
    print(f"saved {save('textworld', result, args.out)}")


if __name__ == "__main__":
    main()
