"""Policy update: one optimiser step of agentgym's ``policy_step`` against the update of TRL's
``GRPOTrainer`` (``compute_loss`` over its micro-batches, backward, grad clipping, AdamW step),
on the same tiny model, batch and loss; tokens/s and peak memory of each, and a check that both
compute the same loss.

The batch: N sequences of random token ids (fixed seed), a prompt of 200-400 tokens and a
completion of 20-60, one advantage per sequence; the old log-probs are computed once, without
grad, by each side's own forward (so each side's ratio is exactly 1 before its first step).
Both sides: the tiny Llama of ``policies.tiny`` (same seed, so the same weights; a checksum is
compared), fp32, no gradient checkpointing, ``torch.optim.AdamW(lr=1e-5)``, grad norm clipped to
1.0, PPO clip 0.2, no KL, token-level aggregation over the whole batch (agentgym ``level="token"``;
TRL ``loss_type="dapo"``, whose normaliser is the batch's completion-token count), 8 rows a
micro-batch (agentgym: a token budget of 8 x the longest sequence, longest first; TRL: 8 rows
of the batch, prompts left-padded and completions right-padded to the batch's widths, as
``_generate_and_score_completions`` hands them to ``compute_loss``). Generation and reward
scoring are not timed on either side; TRL's ``Trainer`` loop is not run, its per-step work
(``compute_loss``, ``accelerator.backward``, clipping, ``optimizer.step``) is called directly.

Each side runs in its own subprocess, so that its peak memory is its own; the parent makes them
take turns, one update at a time (the order alternating between rounds), so that both see the
same load on a shared machine. The first update of each side is the warm-up and the loss check:
the policy loss of that first step (and its gradient norm) must agree between the two sides to a
relative 1e-5 (1e-4 for the norm), and so must the losses of the later steps (the same AdamW
steps on the same batch); the benchmark exits non-zero when they do not. The timed updates are
the ``repeats`` after it; the median is reported.

Peak memory: on CPU, the peak RSS of the side's process during its updates above its RSS just
before them (freed heap returned to the system first, and the kernel's high-water mark reset,
where Linux allows it: otherwise ``ru_maxrss``, which also counts set-up); on CUDA,
``torch.cuda.max_memory_allocated`` above the allocation before the updates.

The baseline needs ``pip install trl torch==<the installed torch>`` (not a dependency of
agentgym); when TRL is missing or does not import, its side is skipped with the reason printed
and agentgym is still measured.
"""

from __future__ import annotations

import atexit
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):  # run as a script: benchmarks.common is found from the repository root
    sys.path.insert(0, str(ROOT))

from benchmarks.common import parse_args, save  # noqa: E402

SIZES = {"quick": {"sequences": 16, "repeats": 5}, "full": {"sequences": 32, "repeats": 9}}
ROWS, LR, CLIP = 8, 1e-5, 0.2
LOSS_RTOL, NORM_RTOL = 1e-5, 1e-4
PREFIX = "BENCH "  # marks the protocol lines on a child's stdout
THREADS = int(os.environ.get("AGENTGYM_BENCH_THREADS", "1"))  # torch threads of each side on CPU


def build(sequences: int):
    """The tiny policy (seed 0) and the batch as (prompt ids, completion ids, advantage)."""
    from policies.hf import HFPolicy
    from policies.tiny import offline_tokenizer, tiny_config

    tokenizer = offline_tokenizer([f"you see {i} keys and a door to the north" for i in range(200)], "chatml", 512)
    policy = HFPolicy.from_config(tiny_config(tokenizer), tokenizer, seed=0)
    rng, low = random.Random(0), len(tokenizer.all_special_ids)
    batch = []
    for _ in range(sequences):
        prompt = [rng.randrange(low, len(tokenizer)) for _ in range(rng.randint(200, 400))]
        completion = [rng.randrange(low, len(tokenizer)) for _ in range(rng.randint(20, 60))]
        batch.append((prompt, completion, rng.gauss(0.0, 1.0)))
    return policy, batch


def agentgym_update(policy, batch):
    """``(update, padded)``: ``update()`` -> (policy loss, grad norm) of one ``policy_step`` on
    the batch; ``padded``: the token positions its micro-batches hold, padding included."""
    import torch
    from agentgym.train.samples import Sample
    from agentgym.train.update import LossSettings, micro_batches, policy_step

    sequences = [p + c for p, c, _ in batch]
    old = policy.sequence_logprobs(sequences)
    samples = [Sample(p + c, [0] * len(p) + [1] * len(c), old[k].tolist(), [-1] * len(p) + [0] * len(c), k,
                      advantages=[0.0] * len(p) + [a] * len(c)) for k, (p, c, a) in enumerate(batch)]
    model = policy.model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=LR)
    settings = LossSettings(clip_eps=CLIP, kl_coef=0.0, level="token")
    budget = ROWS * max(map(len, sequences))
    padded = sum(len(group[0]) * len(group) for group in micro_batches(samples, budget))

    def update():
        stats = policy_step(model, optimizer, samples, settings, pad_id=policy.pad_id, batch_tokens=budget, max_grad_norm=1.0)
        return stats["loss/policy"], stats["policy/grad_norm"]
    return update, padded


def trl_update(policy, batch):
    """``(update, padded)``: ``update()`` -> (policy loss, grad norm) of TRL's GRPO update on the
    batch, fed the dict that ``GRPOTrainer._generate_and_score_completions`` returns."""
    import datasets
    import torch
    from trl import GRPOConfig, GRPOTrainer

    def zero_reward(completions, **kwargs):
        return [0.0] * len(completions)

    if len(batch) % ROWS:
        raise ValueError(f"the batch ({len(batch)} sequences) must be a multiple of {ROWS} rows")
    chunks, device, pad = len(batch) // ROWS, policy.device, policy.pad_id
    output_dir = tempfile.mkdtemp(prefix="agentgym-bench-trl-")  # nothing is saved there
    atexit.register(shutil.rmtree, output_dir, ignore_errors=True)
    config = GRPOConfig(output_dir=output_dir, report_to=[], use_vllm=False,
                        per_device_train_batch_size=ROWS, gradient_accumulation_steps=chunks, num_generations=ROWS,
                        loss_type="dapo", beta=0.0, epsilon=CLIP, max_grad_norm=1.0, learning_rate=LR, bf16=False,
                        gradient_checkpointing=False, use_cpu=device.type == "cpu", logging_steps=1, save_strategy="no",
                        max_completion_length=max(len(c) for _, c, _ in batch))
    trainer = GRPOTrainer(model=policy.model, reward_funcs=zero_reward, args=config, processing_class=policy.tokenizer,
                          train_dataset=datasets.Dataset.from_dict({"prompt": ["go"] * len(batch)}))
    # set by Trainer's training loop, which is not run; with steps_per_generation equal to it, the
    # dapo normaliser is the whole batch's completion-token count
    trainer.current_gradient_accumulation_steps = chunks
    if trainer.args.steps_per_generation != chunks:
        raise ValueError(f"TRL's steps_per_generation is {trainer.args.steps_per_generation}, not {chunks}")
    model = trainer.model.train()
    width_p, width_c = max(len(p) for p, _, _ in batch), max(len(c) for _, c, _ in batch)

    def rows(values, width, left, fill, dtype):
        return torch.tensor([[fill] * (width - len(v)) + v if left else v + [fill] * (width - len(v)) for v in values],
                            dtype=dtype, device=device)
    prompts, completions = [p for p, _, _ in batch], [c for _, c, _ in batch]
    full = {"prompt_ids": rows(prompts, width_p, True, pad, torch.long),
            "prompt_mask": rows([[1] * len(p) for p in prompts], width_p, True, 0, torch.long),
            "completion_ids": rows(completions, width_c, False, pad, torch.long),
            "completion_mask": rows([[1] * len(c) for c in completions], width_c, False, 0, torch.long),
            "advantages": torch.tensor([a for _, _, a in batch], device=device)}
    with torch.no_grad():  # what _generate_and_score_completions computes when the policy is reused
        logps, _, _ = trainer._get_per_token_logps_and_entropies(
            model, torch.cat([full["prompt_ids"], full["completion_ids"]], 1),
            torch.cat([full["prompt_mask"], full["completion_mask"]], 1), width_c, batch_size=ROWS)
    full["old_per_token_logps"] = logps
    items = full["completion_mask"].sum()
    inputs = [{**{k: v[i * ROWS:(i + 1) * ROWS] for k, v in full.items()}, "num_items_in_batch": items} for i in range(chunks)]
    optimizer = torch.optim.AdamW(model.parameters(), lr=LR)

    def update():
        optimizer.zero_grad(set_to_none=True)
        total = 0.0
        for chunk in inputs:
            loss = trainer.compute_loss(model, chunk)
            trainer.accelerator.backward(loss)
            total += float(loss.detach())
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        return total, float(norm)
    return update, len(batch) * (width_p + width_c)


def _emit(message: dict) -> None:
    print(PREFIX + json.dumps(message), flush=True)


def _rss() -> int | None:
    """Resident bytes now, after returning freed heap to the system; None off Linux."""
    try:
        import ctypes
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        return int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize()
    except (OSError, AttributeError, IndexError, ValueError):
        return None


def _reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark of this process (Linux >= 4.0); False where it cannot."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _peak_rss() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def child(side: str, quick: bool) -> None:
    """One side in this (fresh) process: set up, then one update per ``step`` line on stdin,
    answered with one protocol line on stdout; ``peak`` answers the peak memory, ``quit`` ends."""
    size = SIZES["quick" if quick else "full"]
    version = None
    if side == "trl":
        try:
            import trl
            from trl import GRPOConfig, GRPOTrainer  # noqa: F401 (what the baseline needs)
            version = trl.__version__
        except Exception as error:  # noqa: BLE001 (missing, or broken against this transformers)
            _emit({"skipped": f"trl does not import: {type(error).__name__}: {error}"})
            return
    import torch

    policy, batch = build(size["sequences"])
    if policy.device.type == "cpu":
        torch.set_num_threads(THREADS)
    checksum = float(sum(p.double().sum() for p in policy.model.parameters()))
    update, padded = (trl_update if side == "trl" else agentgym_update)(policy, batch)
    cuda = policy.device.type == "cuda"
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        before, memory = torch.cuda.memory_allocated(), "cuda"
    else:
        before = _rss()
        memory = "rss" if before is not None and _reset_peak_rss() else "ru_maxrss"
        if before is None:
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    _emit({"ready": True, "tokens": sum(len(p) + len(c) for p, c, _ in batch), "padded_tokens": padded,
           "weights_checksum": checksum, "device": str(policy.device), "threads": torch.get_num_threads(),
           "version": version, "memory": memory})
    for line in sys.stdin:
        command = line.strip()
        if command == "step":
            start, cpu = time.perf_counter(), time.process_time()
            loss, norm = update()
            if cuda:
                torch.cuda.synchronize()
            _emit({"seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu, "loss": loss,
                   "grad_norm": norm})
        elif command == "peak":
            peak = torch.cuda.max_memory_allocated() if cuda else _peak_rss()
            _emit({"peak_mib": max(peak - before, 0) / 2**20})
        elif command == "quit":
            return


class Side:
    """A child process running one side, driven line by line."""

    def __init__(self, side: str, quick: bool) -> None:
        self.name = side
        self.log = tempfile.TemporaryFile(mode="w+")
        code = f"from benchmarks.bench_train import child; child({side!r}, {quick})"
        self.process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=self.log, text=True, bufsize=1)
        self.info = self.read()

    def read(self) -> dict:
        for line in self.process.stdout:
            if line.startswith(PREFIX):
                return json.loads(line[len(PREFIX):])
        self.process.wait()
        self.log.seek(0)
        raise SystemExit(f"{self.name} side failed (exit {self.process.returncode}):\n{self.log.read()[-3000:]}")

    def ask(self, command: str) -> dict:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self.read()

    def close(self) -> None:
        try:
            self.process.stdin.write("quit\n")
            self.process.stdin.close()
        except OSError:  # it has ended already
            pass
        self.process.wait()
        self.log.close()


def _close(a: float, b: float, rtol: float) -> bool:
    return abs(a - b) <= rtol * max(1.0, abs(a), abs(b))


def main() -> None:
    args = parse_args(__doc__)
    size = SIZES["quick" if args.quick else "full"]
    started: list[Side] = []
    try:
        for name in ("agentgym", "trl"):  # set up one after the other: neither times while the other loads
            started.append(Side(name, args.quick))
        ours, theirs = started
        sides = [ours] if "skipped" in theirs.info else [ours, theirs]
        steps: dict[str, list[dict]] = {side.name: [] for side in sides}
        for round_ in range(1 + size["repeats"]):  # round 0: the warm-up and the loss check
            for side in sides if round_ % 2 == 0 else sides[::-1]:
                steps[side.name].append(side.ask("step"))
        peaks = {side.name: side.ask("peak")["peak_mib"] for side in sides}
    finally:
        for side in started:
            side.close()

    info = ours.info
    print(f"{size['sequences']} sequences, {info['tokens']} tokens (prompt 200-400 + completion 20-60), {ROWS} rows a "
          f"micro-batch, {size['repeats']} timed updates each after one warm-up, taking turns; {info['device']}, "
          f"torch threads: {info['threads']}; PPO clip {CLIP}, no KL, token-level (agentgym level='token', TRL loss_type='dapo')")
    memory = {"rss": "peak RSS above set-up, MiB", "ru_maxrss": "peak RSS (ru_maxrss) above set-up, MiB",
              "cuda": "peak CUDA allocation above set-up, MiB"}[info["memory"]]
    result = {"sequences": size["sequences"], "repeats": size["repeats"], "rows_per_micro_batch": ROWS,
              "trl_loss_type": "dapo"}
    print(f"{'side':<14}{'s/update':>10}{'tokens/s':>10}{'CPU s':>8}{'padded tokens':>15}{memory:>36}{'first loss':>12}"
          f"{'grad norm':>11}")
    for side in (ours, theirs):
        label = side.name if side.name == "agentgym" else f"trl {side.info.get('version') or ''}".strip()
        if side.name not in steps:
            print(f"{label:<14}skipped: {side.info['skipped']}")
            result[side.name] = {"skipped": side.info["skipped"]}
            continue
        timed = [s["seconds"] for s in steps[side.name][1:]]
        cpu = [s["cpu_seconds"] for s in steps[side.name][1:]]
        seconds = statistics.median(timed)
        first = steps[side.name][0]
        result[side.name] = {**{k: v for k, v in side.info.items() if k != "ready"}, "seconds": seconds, "all_seconds": timed,
                             "tokens_per_s": side.info["tokens"] / seconds, "cpu_seconds": statistics.median(cpu),
                             "all_cpu_seconds": cpu, "peak_mib": peaks[side.name],
                             "first_loss": first["loss"], "first_grad_norm": first["grad_norm"],
                             "losses": [s["loss"] for s in steps[side.name]],
                             "grad_norms": [s["grad_norm"] for s in steps[side.name]]}
        r = result[side.name]
        print(f"{label:<14}{seconds:>10.3f}{r['tokens_per_s']:>10.0f}{r['cpu_seconds']:>8.3f}{r['padded_tokens']:>15,}"
              f"{r['peak_mib']:>36.1f}"
              f"{r['first_loss']:>12.6f}{r['first_grad_norm']:>11.6f}")
    agree = True
    if "skipped" not in result["trl"]:
        a, b = result["agentgym"], result["trl"]
        same_weights = abs(a["weights_checksum"] - b["weights_checksum"]) < 1e-9
        first_diff = abs(a["first_loss"] - b["first_loss"])
        norm_diff = abs(a["first_grad_norm"] - b["first_grad_norm"])
        step_diff = max(abs(x - y) for x, y in zip(a["losses"], b["losses"]))
        agree = (same_weights and _close(a["first_loss"], b["first_loss"], LOSS_RTOL)
                 and _close(a["first_grad_norm"], b["first_grad_norm"], NORM_RTOL)
                 and all(_close(x, y, LOSS_RTOL) for x, y in zip(a["losses"], b["losses"])))
        result["loss_check"] = {"same_initial_weights": same_weights, "first_loss_abs_diff": first_diff,
                                "first_grad_norm_abs_diff": norm_diff, "max_loss_abs_diff_all_steps": step_diff,
                                "loss_rtol": LOSS_RTOL, "grad_norm_rtol": NORM_RTOL, "agree": agree}
        print(f"loss check: same initial weights {same_weights}; first-step loss {a['first_loss']:.7f} vs "
              f"{b['first_loss']:.7f} (|diff| {first_diff:.1e}), grad norm |diff| {norm_diff:.1e}; all "
              f"{len(a['losses'])} steps' losses within {step_diff:.1e}; tolerance rel {LOSS_RTOL:g} (norm {NORM_RTOL:g}): "
              f"{'agree' if agree else 'DISAGREE'}")
        result["tokens_per_s_ratio"] = a["tokens_per_s"] / b["tokens_per_s"]
        result["cpu_time_ratio"] = b["cpu_seconds"] / a["cpu_seconds"]
        result["peak_memory_ratio"] = b["peak_mib"] / a["peak_mib"] if a["peak_mib"] else None
        per_round = sorted(x / y for x, y in zip(b["all_seconds"], a["all_seconds"]))
        result["ratio_per_round"] = per_round
        memory_ratio = f"{result['peak_memory_ratio']:.2f}" if result["peak_memory_ratio"] else "n/a"
        print(f"tokens/s agentgym / TRL: {result['tokens_per_s_ratio']:.2f} (rounds {per_round[0]:.2f}-{per_round[-1]:.2f}; "
              f"CPU time TRL / agentgym {result['cpu_time_ratio']:.2f}); peak memory TRL / agentgym: {memory_ratio}")
    print(f"saved {save('bench_train', result, args.out)}")
    if not agree:
        sys.exit("the two sides do not compute the same loss")


if __name__ == "__main__":
    main()
