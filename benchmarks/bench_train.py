"""Policy update: one optimiser step of agentgym's ``policy_step`` against the update of TRL's
``GRPOTrainer`` (``compute_loss`` over its micro-batches, backward, grad clipping, AdamW step),
on the same tiny model, batch and loss; tokens/s and peak memory of each.

The batch: N sequences of random token ids (fixed seed), a prompt of 200-400 tokens and a
completion of 20-60, one advantage per sequence; the old log-probs are computed once, without
grad, by each side's own forward (so each side's ratio is exactly 1 before its first step).
Both sides: the tiny Llama of ``policies.tiny`` (same seed, so the same weights; a checksum is
printed), fp32, no gradient checkpointing, ``torch.optim.AdamW(lr=1e-5)``, grad norm clipped to
1.0, PPO clip 0.2, no KL, token-level aggregation over the whole batch (agentgym ``level="token"``;
TRL ``loss_type="dapo"``, whose normaliser is the batch's completion-token count), 8 rows a
micro-batch (agentgym: a token budget of 8 x the longest sequence, longest first; TRL: 8 rows
of the batch, prompts left-padded and completions right-padded to the batch's widths).
Generation and reward scoring are not timed on either side.

Each side runs in a fresh subprocess, so that its peak memory is its own: peak RSS above the RSS
before the warm-up update on CPU (a high-water mark: it counts only what the updates add above
set-up), ``torch.cuda.max_memory_allocated`` above the allocation before them on CUDA.

The baseline needs ``pip install trl`` (not a dependency of agentgym); when TRL is missing or
does not import, its side is skipped with the reason printed and agentgym is still measured.
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.common import median_seconds, parse_args, save

ROOT = Path(__file__).resolve().parent.parent
SIZES = {"quick": {"sequences": 16, "repeats": 3}, "full": {"sequences": 32, "repeats": 7}}
ROWS, LR, CLIP = 8, 1e-5, 0.2


def build(sequences: int):
    """The tiny policy (seed 0), its device, and the batch as (prompt ids, completion ids, advantage)."""
    import torch
    from policies.hf import HFPolicy
    from policies.tiny import offline_tokenizer, tiny_config

    torch.set_num_threads(torch.get_num_threads())
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
    """``update()`` -> (loss, grad norm) of one ``policy_step`` on the batch."""
    import torch
    from agentgym.train.samples import Sample
    from agentgym.train.update import LossSettings, policy_step

    sequences = [p + c for p, c, _ in batch]
    old = policy.sequence_logprobs(sequences)
    samples = [Sample(p + c, [0] * len(p) + [1] * len(c), old[k].tolist(), [-1] * len(p) + [0] * len(c), k,
                      advantages=[0.0] * len(p) + [a] * len(c)) for k, (p, c, a) in enumerate(batch)]
    model = policy.model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=LR)
    settings = LossSettings(clip_eps=CLIP, kl_coef=0.0, level="token")
    budget = ROWS * max(map(len, sequences))

    def update():
        stats = policy_step(model, optimizer, samples, settings, pad_id=policy.pad_id, batch_tokens=budget, max_grad_norm=1.0)
        return stats["loss/policy"], stats["policy/grad_norm"]
    return update


def trl_update(policy, batch):
    """``update()`` -> (loss, grad norm) of TRL's GRPO update on the batch, fed the dict that
    ``GRPOTrainer._generate_and_score_completions`` returns."""
    import datasets
    import torch
    from trl import GRPOConfig, GRPOTrainer

    def zero_reward(completions, **kwargs):
        return [0.0] * len(completions)

    chunks, device, pad = len(batch) // ROWS, policy.device, policy.pad_id
    config = GRPOConfig(output_dir=tempfile.mkdtemp(prefix="agentgym-bench-trl-"), report_to=[], use_vllm=False,
                        per_device_train_batch_size=ROWS, gradient_accumulation_steps=chunks, num_generations=ROWS,
                        loss_type="dapo", beta=0.0, epsilon=CLIP, max_grad_norm=1.0, learning_rate=LR, bf16=False,
                        gradient_checkpointing=False, use_cpu=device.type == "cpu", logging_steps=1, save_strategy="no",
                        max_completion_length=max(len(c) for _, c, _ in batch))
    trainer = GRPOTrainer(model=policy.model, reward_funcs=zero_reward, args=config, processing_class=policy.tokenizer,
                          train_dataset=datasets.Dataset.from_dict({"prompt": ["go"] * len(batch)}))
    trainer.current_gradient_accumulation_steps = chunks  # set by Trainer's training loop, which is not run
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
    return update


def child(side: str, quick: bool) -> None:
    """One side in this (fresh) process; prints its result as one JSON line."""
    size = SIZES["quick" if quick else "full"]
    if side == "trl":
        try:
            import trl
        except Exception as error:  # noqa: BLE001 (missing, or broken against this transformers)
            print(json.dumps({"skipped": f"trl does not import: {type(error).__name__}: {error}"}))
            return
    import torch

    policy, batch = build(size["sequences"])
    checksum = float(sum(p.double().sum() for p in policy.model.parameters()))
    update = (trl_update if side == "trl" else agentgym_update)(policy, batch)
    cuda = policy.device.type == "cuda"
    if cuda:
        torch.cuda.reset_peak_memory_stats()
        before = torch.cuda.memory_allocated()
    else:
        before = int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize()
    first = update()  # also the warm-up of median_seconds' own warm-up run
    seconds = median_seconds(update, size["repeats"])
    peak = torch.cuda.max_memory_allocated() if cuda else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    tokens = sum(len(p) + len(c) for p, c, _ in batch)
    print(json.dumps({"seconds": seconds, "tokens": tokens, "tokens_per_s": tokens / seconds, "first_loss": first[0],
                      "first_grad_norm": first[1], "peak_mib": max(peak - before, 0) / 2**20, "memory": "cuda" if cuda else "rss",
                      "weights_checksum": checksum, "device": str(policy.device),
                      "version": trl.__version__ if side == "trl" else None}))


def run_side(side: str, quick: bool) -> dict:
    code = f"from benchmarks.bench_train import child; child({side!r}, {quick})"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise SystemExit(f"{side} side failed:\n{done.stderr[-3000:]}")
    return json.loads(lines[-1])


def main() -> None:
    args = parse_args(__doc__)
    ours, theirs = run_side("agentgym", args.quick), run_side("trl", args.quick)
    size = SIZES["quick" if args.quick else "full"]
    print(f"{size['sequences']} sequences, {ours['tokens']} tokens (prompt 200-400 + completion 20-60), {ROWS} rows a "
          f"micro-batch, {size['repeats']} repeats, {ours['device']}; PPO clip {CLIP}, no KL, token-level "
          f"(agentgym level='token', TRL loss_type='dapo')")
    memory = "peak RSS above set-up, MiB" if ours["memory"] == "rss" else "peak CUDA allocation above set-up, MiB"
    print(f"{'side':<18}{'s/update':>10}{'tokens/s':>11}{memory:>36}{'first loss':>12}{'grad norm':>11}")
    for name, r in [("agentgym", ours), (f"trl {theirs.get('version')}", theirs)]:
        if "skipped" in r:
            print(f"{name:<18}skipped: {r['skipped']}")
            continue
        print(f"{name:<18}{r['seconds']:>10.3f}{r['tokens_per_s']:>11.0f}{r['peak_mib']:>36.1f}"
              f"{r['first_loss']:>12.5f}{r['first_grad_norm']:>11.5f}")
    result = {"sequences": size["sequences"], "repeats": size["repeats"], "rows_per_micro_batch": ROWS,
              "trl_loss_type": "dapo", "agentgym": ours, "trl": theirs}
    if "skipped" not in theirs:
        result["tokens_per_s_ratio"] = ours["tokens_per_s"] / theirs["tokens_per_s"]
        same = abs(ours["weights_checksum"] - theirs["weights_checksum"]) < 1e-9
        print(f"tokens/s agentgym / TRL: {result['tokens_per_s_ratio']:.2f}  (same initial weights: {same})")
    print(f"saved {save('bench_train', result, args.out)}")


if __name__ == "__main__":
    main()
