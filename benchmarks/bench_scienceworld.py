"""ScienceWorld steps/s: upstream ``ScienceWorldEnv.step`` against agentgym's env (admissible
actions off), same task, variation and gold-path actions, one process; resets are not timed.
The ScienceWorld issue asks for at least 10x."""

from __future__ import annotations

import statistics
import time


import agentgym
from benchmarks.common import parse_args, save

TASK, VARIATION = "boil", 0


def main() -> None:
    args = parse_args(__doc__)
    repeats = 2 if args.quick else 5
    from scienceworld import ScienceWorldEnv

    upstream = ScienceWorldEnv(TASK, envStepLimit=10**6)
    upstream.load(TASK, VARIATION, "", generateGoldPath=True)
    actions = upstream.get_gold_action_sequence()
    ours = agentgym.make(f"scienceworld/{TASK}-v0", max_episode_steps=10**6)

    def step_seconds(reset, step) -> tuple[float, int]:
        """Median time of the stepping alone (the reset is not timed), and the steps taken."""
        times, taken = [], 0
        for _ in range(repeats + 1):  # the first run warms up
            reset()
            start = time.perf_counter()
            for taken, action in enumerate(actions, 1):
                if step(action)[2]:
                    break
            times.append(time.perf_counter() - start)
        return statistics.median(times[1:]), taken

    t_up, n_up = step_seconds(upstream.reset, upstream.step)
    t_ours, n = step_seconds(lambda: ours.reset(seed=0, options={"variation": VARIATION}), ours.step)
    assert n == n_up, "both must play the same episode"
    result = {
        "parameters": {"task": TASK, "variation": VARIATION, "steps_per_episode": n, "repeats": repeats},
        "upstream_steps_per_s": n / t_up,
        "agentgym_steps_per_s": n / t_ours,
        "speedup": t_up / t_ours,
    }
    print(f"scienceworld/{TASK}: upstream {result['upstream_steps_per_s']:.0f} steps/s  agentgym {result['agentgym_steps_per_s']:.0f} steps/s  "
          f"speedup x{result['speedup']:.1f} (the {n} gold-path steps of one episode, resets not timed)")
    print(f"saved {save('scienceworld', result, args.out)}")
    upstream.close()
    ours.close()


if __name__ == "__main__":
    main()
