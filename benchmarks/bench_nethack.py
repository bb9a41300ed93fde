"""NetHack steps/s with text rendering (agentgym) against raw NLE steps (no text), on the same
task, seeds and action sequence, in one process. Target of the NetHack issue: >= 5,000 steps/s."""

from __future__ import annotations

import numpy as np

import agentgym
from benchmarks.common import median_seconds, parse_args, save
from environments.nethack.env import OBSERVATION_KEYS


def main() -> None:
    args = parse_args(__doc__)
    steps, repeats = (2_000, 3) if args.quick else (10_000, 5)
    from nle.env.tasks import NetHackScore

    env = agentgym.make("nethack/score-v0", max_steps=10**9)
    _, info = env.reset(seed=0)
    words = info["admissible_actions"]
    indices = [int(i) for i in np.random.default_rng(0).integers(1, 17, size=steps)]  # moves only: no prompts
    actions = [words[i] for i in indices]
    raw = NetHackScore(observation_keys=OBSERVATION_KEYS, max_episode_steps=10**9, fix_moon_phase=True)

    def play_raw() -> None:
        raw.seed(1, 2, reseed=False)
        raw.reset()
        for index in indices:
            if raw.step(index)[2]:
                raw.seed(1, 2, reseed=False)
                raw.reset()

    def play_agentgym() -> None:
        env.reset(seed=0)
        for action in actions:
            if env.step(action)[2]:
                env.reset(seed=0)

    t_raw = median_seconds(play_raw, repeats)
    t_agentgym = median_seconds(play_agentgym, repeats)
    result = {
        "parameters": {"task": "score", "steps": steps, "repeats": repeats, "view": "window radius 6 + inventory"},
        "raw_nle_steps_per_s": steps / t_raw,
        "agentgym_text_steps_per_s": steps / t_agentgym,
        "step_time_ratio": t_agentgym / t_raw,
    }
    print(f"nethack/score-v0 steps/s: raw NLE {result['raw_nle_steps_per_s']:,.0f}  "
          f"agentgym with text {result['agentgym_text_steps_per_s']:,.0f}  time ratio agentgym/raw {result['step_time_ratio']:.2f}")
    print(f"saved {save('nethack', result, args.out)}")
    raw.close()
    env.close()


if __name__ == "__main__":
    main()
