"""Which tasks an RL iteration plays, and with which sampling seeds.

Everything derives from the run seed and the iteration number, so a resumed run plays exactly
what the uninterrupted one would have.

* ``train_tasks = n > 0``: a fixed training set, reset seeds ``0 .. n-1``, visited in a fresh
  random order each cycle (every task once per cycle);
* ``train_tasks = 0``: fresh tasks, seeds counting up from ``first_fresh_seed`` (the seeds
  before it are the ones the expert played for SFT and the tokenizer, so RL starts on tasks it
  has not been shown).
"""

from __future__ import annotations

import numpy as np

from agentgym.rollout.collector import EpisodeSpec


def rl_task_seeds(iteration: int, tasks: int, *, train_tasks: int, first_fresh_seed: int, seed: int) -> list[int]:
    """The reset seeds of the ``tasks`` tasks of RL iteration ``iteration`` (0-based)."""
    if not train_tasks:
        return [first_fresh_seed + iteration * tasks + j for j in range(tasks)]
    n, first = train_tasks, iteration * tasks
    cycle = first // n
    order: list[int] = []
    while len(order) < (first % n) + tasks:
        order += np.random.default_rng([seed, cycle + len(order) // n]).permutation(n).tolist()
    return [int(s) for s in order[first % n:first % n + tasks]]


def rl_episode_specs(env_id: str, iteration: int, *, tasks: int, group_size: int, train_tasks: int, first_fresh_seed: int,
                     seed: int) -> list[EpisodeSpec]:
    """The episodes of RL iteration ``iteration``: each task ``group_size`` times (one group,
    ``group_id`` ``it{iteration}-task{j}``), each episode with its own sampling seed."""
    specs = []
    for j, task_seed in enumerate(rl_task_seeds(iteration, tasks, train_tasks=train_tasks, first_fresh_seed=first_fresh_seed,
                                                seed=seed)):
        for g in range(group_size):
            sampling_seed = int(np.random.SeedSequence([seed, iteration, j, g]).generate_state(1)[0])
            specs.append(EpisodeSpec(env_id, task_seed, group_id=f"it{iteration}-task{j}", sampling_seed=sampling_seed))
    return specs
