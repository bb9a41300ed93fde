"""Cost of agentgym.make's wrapper stack (action normalisation + time limit) over stepping the
bare toy env, which is itself a TextEnv with the contract's checks: same seeds, same actions,
one process."""

from __future__ import annotations

import numpy as np

import agentgym
from benchmarks.common import median_seconds, parse_args, save
from environments.toy.env import KeysEnv


def _actions(n: int, seed: int) -> list[str]:
    """A fixed action sequence: admissible actions chosen with a seeded generator, with resets."""
    env, rng, out = KeysEnv(num_rooms=6, num_locks=2), np.random.default_rng(seed), []
    _, info = env.reset(seed=seed)
    for _ in range(n):
        action = info["admissible_actions"][int(rng.integers(len(info["admissible_actions"])))]
        out.append(action)
        _, _, terminated, _, info = env.step(action)
        if terminated:
            out.append(None)  # reset marker
            _, info = env.reset(seed=seed)
    return out


def _play(env, actions: list[str | None], seed: int) -> None:
    env.reset(seed=seed)
    for action in actions:
        if action is None:
            env.reset(seed=seed)
        else:
            env.step(action)


def main() -> None:
    args = parse_args(__doc__)
    (steps, repeats), seed = ((2_000, 5) if args.quick else (10_000, 5)), 0
    actions = _actions(steps, seed)
    raw = KeysEnv(num_rooms=6, num_locks=2)
    wrapped = agentgym.make("toy/keys-v0", num_rooms=6, num_locks=2, max_episode_steps=10**9)
    t_raw = median_seconds(lambda: _play(raw, actions, seed), repeats)
    t_wrapped = median_seconds(lambda: _play(wrapped, actions, seed), repeats)
    reset_raw = median_seconds(lambda: raw.reset(seed=seed), repeats * 20)
    reset_wrapped = median_seconds(lambda: wrapped.reset(seed=seed), repeats * 20)
    result = {
        "parameters": {"steps": steps, "repeats": repeats},
        "raw_steps_per_s": steps / t_raw,
        "agentgym_steps_per_s": steps / t_wrapped,
        "step_time_ratio": t_wrapped / t_raw,
        "raw_reset_ms": reset_raw * 1e3,
        "agentgym_reset_ms": reset_wrapped * 1e3,
    }
    print(f"toy/keys-v0 steps/s: raw {result['raw_steps_per_s']:,.0f}  agentgym.make {result['agentgym_steps_per_s']:,.0f}  "
          f"time ratio agentgym/raw {result['step_time_ratio']:.3f}")
    print(f"reset: raw {result['raw_reset_ms']:.2f} ms  agentgym.make {result['agentgym_reset_ms']:.2f} ms")
    print(f"saved {save('wrappers', result, args.out)}")


if __name__ == "__main__":
    main()
