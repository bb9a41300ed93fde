"""Data-parallel training over ``torch.distributed``: ``agentgym train CONFIG`` under
``torchrun --nproc_per_node N`` (or any launcher that sets ``RANK``, ``WORLD_SIZE``,
``LOCAL_RANK``, ``MASTER_ADDR`` and ``MASTER_PORT``, e.g. ``accelerate launch --multi_gpu``,
which runs torchrun). On CPUs use torchrun: ``accelerate launch --cpu --num_processes N``
starts N processes only through ``mpirun`` (``--mpirun_hostfile``), and without it starts one,
which then trains alone, as a single process.

The design is the simplest one that gives the update of one process on the whole batch:

* **Collection is split, then gathered.** Each rank plays every ``world_size``-th episode spec
  of an iteration (and of an evaluation) over its own env pool (``env.workers`` is per rank),
  then every rank receives every episode (:meth:`Distributed.gather`). Episodes depend only on
  their spec (reset seed and ``EpisodeSpec.sampling_seed``), not on which rank played them, so
  the iteration's episodes are those of a single-process run. Advantages need whole groups, so
  every rank computes them on all episodes; the data is small next to the model.
* **The update is split, its gradient summed.** Every rank forms the same minibatches, takes its
  share of each (:meth:`Distributed.shard`, balanced by tokens), weights each micro-batch's loss
  by its share of the *global* minibatch's loss units, and the gradients are summed over ranks
  (:meth:`Distributed.all_reduce_gradients`) before clipping and the optimiser step. Every rank
  then takes the same step from the same weights, so the models stay identical without a
  parameter broadcast after the start. The gradients are all-reduced by hand, once per step,
  rather than through ``DistributedDataParallel``: DDP synchronises inside each backward and
  needs every rank to run the same number of them, while here ranks hold different numbers of
  micro-batches (one may hold none).
* **Only rank 0 writes** the run directory (config, metrics, checkpoints, trajectories,
  summary); work whose failure every rank must see (preparing the directory) runs through
  :meth:`Distributed.on_main`, which re-raises rank 0's error on every rank.

With ``WORLD_SIZE`` unset or 1 nothing here communicates and the trainer runs as one process.
Up to float error (different micro-batch shapes, the order of the sum), N ranks give the
weights of one process; ``model.lora_dropout`` > 0 draws different dropout masks on different
ranks, so then only the expectation agrees.
"""

from __future__ import annotations

import datetime
import logging
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import torch

from agentgym.errors import AgentGymError, ConfigError, NonFiniteError
from agentgym.rollout import RunSettings
from agentgym.rollout.collector import CollectStats, EpisodeSpec, collect
from agentgym.trajectory.records import Episode

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass
class Distributed:
    """This process's place in a data-parallel run (rank 0 of 1 when not distributed)."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    owns_group: bool = False  # this object initialised the process group, so it destroys it

    @classmethod
    def from_env(cls, device: str = "", timeout_s: float = 1800.0) -> Distributed:
        """Join the process group the launcher's environment describes (``gloo`` on CPU,
        ``nccl`` when the model runs on CUDA); a single process when ``WORLD_SIZE`` is unset or 1.

        Args:
            device: the configured model device (``model.device``; "" = CUDA when available).
            timeout_s: how long a collective waits for the other ranks before failing.
        """
        world_size = int(os.environ.get("WORLD_SIZE", "1") or 1)
        if world_size <= 1:
            return cls()
        missing = [k for k in ("RANK", "MASTER_ADDR", "MASTER_PORT") if not os.environ.get(k)]
        if missing:
            raise ConfigError(f"WORLD_SIZE={world_size} but {', '.join(missing)} is not set: launch distributed runs "
                              "with torchrun --nproc_per_node N (which sets them), or unset WORLD_SIZE")
        rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0") or 0)
        import torch.distributed as dist

        owns = not dist.is_initialized()
        if owns:
            cuda = _uses_cuda(device)
            if cuda:
                torch.cuda.set_device(local_rank)
            dist.init_process_group("nccl" if cuda else "gloo", timeout=datetime.timedelta(seconds=timeout_s))
        log.info("rank %d of %d (local rank %d), backend %s", rank, world_size, local_rank, dist.get_backend())
        return cls(rank=rank, world_size=world_size, local_rank=local_rank, owns_group=owns)

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def device(self, configured: str) -> str | None:
        """The model's device on this rank: ``configured``, except that a bare ``cuda`` (or the
        default, on a machine with CUDA) becomes this rank's GPU, ``cuda:LOCAL_RANK``."""
        if not self.enabled:
            return configured or None
        if configured in ("", "cuda") and _uses_cuda(configured):
            return f"cuda:{self.local_rank}"
        return configured or None

    # splitting and gathering ----------------------------------------------------------------
    def split(self, items: Sequence[T]) -> list[T]:
        """This rank's share of ``items``: every ``world_size``-th one from position ``rank``."""
        return list(items[self.rank::self.world_size])

    def shard(self, items: Sequence[T], size: Callable[[T], int] = len) -> list[T]:
        """This rank's share of ``items``, balanced by ``size``: largest first, each to the rank
        with the least so far (ties to the lower rank). Every rank computes the same partition."""
        if not self.enabled:
            return list(items)
        loads = [0] * self.world_size
        mine = []
        for index in sorted(range(len(items)), key=lambda i: -size(items[i])):
            owner = min(range(self.world_size), key=lambda r: (loads[r], r))
            loads[owner] += size(items[index])
            if owner == self.rank:
                mine.append(items[index])
        return mine

    def gather(self, items: Iterable[T]) -> list[T]:
        """Every rank's ``items``, concatenated in rank order, on every rank."""
        items = list(items)
        if not self.enabled:
            return items
        import torch.distributed as dist

        parts: list[Any] = [None] * self.world_size
        dist.all_gather_object(parts, items)
        return [item for part in parts for item in part]

    # the update -----------------------------------------------------------------------------
    def all_reduce_gradients(self, parameters: Iterable[torch.nn.Parameter]) -> None:
        """Sum the gradients of ``parameters`` over ranks, in one flat buffer. A parameter that
        got no gradient on any rank keeps ``grad = None`` (as in one process: the optimiser
        skips it); one that got a gradient somewhere gets the sum, zeros standing in elsewhere."""
        if not self.enabled:
            return
        import torch.distributed as dist

        parameters = list(parameters)
        if not parameters:
            return
        device = parameters[0].device
        flat = torch.cat([(p.grad if p.grad is not None else torch.zeros_like(p)).detach().reshape(-1).float()
                          for p in parameters]).to(device)
        present = torch.tensor([p.grad is not None for p in parameters], dtype=torch.float32, device=device)
        dist.all_reduce(flat)
        dist.all_reduce(present)
        offset = 0
        for parameter, seen in zip(parameters, present.tolist()):
            count = parameter.numel()
            if seen:
                parameter.grad = flat[offset:offset + count].view_as(parameter).to(parameter.dtype).clone()
            else:
                parameter.grad = None
            offset += count

    def all_reduce_sums(self, values: dict[str, float]) -> dict[str, float]:
        """``values`` summed over ranks (every rank may hold a different set of keys)."""
        if not self.enabled:
            return dict(values)
        total: dict[str, float] = {}
        for part in self.gather([values]):
            for key, value in part.items():
                total[key] = total.get(key, 0.0) + value
        return total

    def check_finite(self, failure: str | None) -> None:
        """Raise :class:`NonFiniteError` on every rank when any rank met a non-finite value
        (``failure`` names it), so that no rank waits in a collective for one that stopped."""
        failures = [f for f in self.gather([failure]) if f]
        if failures:
            raise NonFiniteError(failures[0])

    # rank 0's work --------------------------------------------------------------------------
    def on_main(self, work: Callable[[], T]) -> T | None:
        """Run ``work`` on rank 0 only; every rank waits for it, and an error it raised is
        raised on every rank. Returns its result on rank 0, None elsewhere."""
        if not self.enabled:
            return work()
        result, error = None, None
        if self.is_main:
            try:
                result = work()
            except Exception as exc:  # noqa: BLE001 - re-raised below, on every rank
                error = exc
        # the class and message travel (not the exception: not every one survives pickling)
        [sent] = self.gather([(type(error), str(error)) if error is not None else None] if self.is_main else [])
        if error is not None:
            raise error
        if sent is not None:
            kind, message = sent
            try:
                copy = kind(message)
            except TypeError:  # an error class whose constructor takes other arguments
                copy = AgentGymError(f"rank 0 failed: {kind.__name__}: {message}")
            raise copy
        return result

    def broadcast_parameters(self, modules: Iterable[torch.nn.Module | None]) -> None:
        """Give every rank rank 0's weights (once, at the start: the ranks built or loaded the
        model themselves, and a data-parallel step needs identical weights everywhere)."""
        if not self.enabled:
            return
        import torch.distributed as dist

        with torch.no_grad():
            for module in modules:
                if module is None:
                    continue
                for tensor in list(module.parameters()) + list(module.buffers()):
                    dist.broadcast(tensor.data, src=0)

    def barrier(self) -> None:
        if self.enabled:
            import torch.distributed as dist

            dist.barrier()

    def close(self) -> None:
        """Leave the process group (only if this object joined it)."""
        if self.owns_group:
            import torch.distributed as dist

            if dist.is_initialized():
                dist.destroy_process_group()
            self.owns_group = False


def collect_split(dist: Distributed, pool: Any, policy: Any, specs: Sequence[EpisodeSpec], *, settings: RunSettings,
                  run_id: str = "", stats: CollectStats | None = None) -> list[Episode]:
    """The episodes of ``specs`` in the specs' order, on every rank; each rank plays its share
    (:meth:`Distributed.split`). An episode depends on its spec only (reset seed and sampling
    seed), not on the rank that played it or on what else was in its batch, so the result is
    that of one process playing them all. ``stats`` become the ranks' slowest policy and env
    times and their total generated tokens."""
    stats = stats if stats is not None else CollectStats()
    mine = list(collect(pool, policy, dist.split(specs), settings=settings, run_id=run_id, stats=stats))
    if dist.enabled:
        shares = dist.gather([(stats.policy_s, stats.env_s, stats.generated_tokens)])
        stats.policy_s, stats.env_s = max(s[0] for s in shares), max(s[1] for s in shares)
        stats.generated_tokens = sum(s[2] for s in shares)
    order = {(spec.group_id, spec.seed, spec.seed if spec.sampling_seed is None else spec.sampling_seed): i
             for i, spec in enumerate(specs)}
    return sorted(dist.gather(mine), key=lambda e: order.get((e.group_id, e.seed, e.metadata.get("sampling_seed")), len(order)))


def _uses_cuda(device: str) -> bool:
    return device.startswith("cuda") or (not device and torch.cuda.is_available())
