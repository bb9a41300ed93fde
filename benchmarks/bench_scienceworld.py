"""ScienceWorld steps/s: upstream ``ScienceWorldEnv.step`` against agentgym's env (admissible
actions off), same task, variation and action sequence, one process. The ScienceWorld issue
asks for at least 10x."""

from __future__ import annotations

import argparse

import agentgym
from benchmarks.common import median_seconds, save

TASK, VARIATION = "boil", 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--out", default=None, help="JSON result path")
    args = parser.parse_args()
    repeats = 2 if args.quick else 5
    from scienceworld import ScienceWorldEnv

    upstream = ScienceWorldEnv(TASK, envStepLimit=10**6)
    upstream.load(TASK, VARIATION, "", generateGoldPath=True)
    actions = upstream.get_gold_action_sequence()
    ours = agentgym.make(f"scienceworld/{TASK}-v0", max_episode_steps=10**6)

    def play_upstream() -> int:
        upstream.reset()
        for i, action in enumerate(actions, 1):
            if upstream.step(action)[2]:
                return i
        return len(actions)

    def play_agentgym() -> int:
        ours.reset(seed=0, options={"variation": VARIATION})
        for i, action in enumerate(actions, 1):
            if ours.step(action)[2]:
                return i
        return len(actions)

    t_up = median_seconds(play_upstream, repeats)
    t_ours = median_seconds(play_agentgym, repeats)
    n = play_agentgym()
    assert play_upstream() == n, "both must play the same episode"
    result = {
        "parameters": {"task": TASK, "variation": VARIATION, "steps_per_episode": n, "repeats": repeats},
        "upstream_steps_per_s": n / t_up,
        "agentgym_steps_per_s": n / t_ours,
        "speedup": t_up / t_ours,
    }
    print(f"scienceworld/{TASK}: upstream {result['upstream_steps_per_s']:.0f} steps/s  agentgym {result['agentgym_steps_per_s']:.0f} steps/s  "
          f"speedup x{result['speedup']:.1f} (episodes of {n} gold-path steps, resets included)")
    print(f"saved {save('scienceworld', result, args.out)}")
    upstream.close()
    ours.close()


if __name__ == "__main__":
    main()
