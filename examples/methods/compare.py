"""Compare a method with its baselines on the same seeds, on the toy keys task with a tiny model.

    python examples/methods/compare.py gra     # outcome only vs D-RA (ungated step rewards) vs G-RA
    python examples/methods/compare.py epo     # GRPO vs GRPO + entropy bonus vs EPO
    python examples/methods/compare.py igpo    # GRPO vs IGPO
    python examples/methods/compare.py herl    # GRPO vs HeRL
    python examples/methods/compare.py teacher # GRPO vs GRPO + the expert subgoal teacher
    python examples/methods/compare.py teacher-sparse  # the same with the win as the only reward
    python examples/methods/compare.py teacher --base configs/demo.toml --out runs/methods-textworld
    python examples/methods/compare.py all --set rl.iterations=8

Every variant is ``examples/methods/base.toml`` (or ``--base CONFIG``) with the overrides below (plus ``--set`` ones for
all), so all of them build the same model, run the same SFT, train on the same task seeds and
evaluate on the same held-out seeds. A variant whose run directory already holds a finished run
of the same config is reused (``--fresh`` reruns it). Writes ``runs/methods/<method>.json``
(each variant's evaluations and learning curve) and ``<method>.png`` (held-out success after
SFT, every ``eval.every`` iterations and at the end; training success per iteration), and prints
a table.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from agentgym.train import load_train_config, train  # noqa: E402
from agentgym.train.config import config_dict  # noqa: E402

BASE = Path(__file__).with_name("base.toml")
GRPO = ("GRPO", [])
WON_ONLY = ("reward = win only", ["gra.enabled=true", 'gra.outcome="won"', "gra.step_rewards={}"])
VARIANTS: dict[str, list[tuple[str, list[str]]]] = {
    "gra": [("outcome only (won)", ["gra.enabled=true", 'gra.outcome="won"', "gra.step_rewards={}"]),
            ("D-RA: valid-action reward, ungated", ["gra.enabled=true", 'gra.outcome="won"', "gra.gate=false"]),
            ("G-RA: valid-action reward, gated", ["gra.enabled=true", 'gra.outcome="won"'])],
    "epo": [GRPO, ("GRPO + entropy bonus 0.01", ["rl.entropy_coef=0.01"]), ("EPO", ["epo.enabled=true"])],
    "igpo": [GRPO, ("IGPO", ['rl.algo="igpo"'])],
    "herl": [GRPO, ("HeRL", ["herl.enabled=true"])],
    "teacher": [GRPO, ("GRPO + expert subgoal teacher", ["teacher.enabled=true"])],
    # sparse: the toy task's +1 per rubric criterion replaced by the win (TextWorld's coin is sparse already)
    "teacher-sparse": [WON_ONLY, ("reward = win + expert subgoal teacher", [*WON_ONLY[1], "teacher.enabled=true"])],
}


def slug(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")


def run_variant(label: str, overrides: list[str], common: list[str], out_dir: str, fresh: bool, base: Path) -> Path:
    config = load_train_config(base, [*common, *overrides, f'name="{slug(label)}"', f'out_dir="{out_dir}"'])
    run = Path(config.run_dir)
    if not fresh and (run / "summary.json").exists() and (run / "config.toml").exists():
        if load_train_config(run / "config.toml") == config:
            print(f"{label}: reusing {run}")
            return run
    print(f"{label}: training into {run}", flush=True)
    train(config, overwrite=True)
    return run


def curves(run: Path) -> dict[str, Any]:
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    summary = json.loads((run / "summary.json").read_text())
    start = summary["eval_sft"] or summary["eval_before"]  # no SFT: the untrained model
    held_out = [(0, start["success_rate"])]
    for record in records:
        for key, value in record.items():
            match = re.fullmatch(r"eval_iter_(\d+)/success_rate", key)
            if match:
                held_out.append((int(match.group(1)), value))
    held_out.append((summary["iterations"], summary["eval_after"]["success_rate"]))
    train_curve = [(r["step"], r["train/success_rate"]) for r in records if r["phase"] == "rl"]
    return {"eval_sft": start, "eval_after": summary["eval_after"], "wall_time_s": summary["wall_time_s"],
            "held_out": sorted(held_out), "train": train_curve}


def plot(method: str, results: dict[str, dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    for label, result in results.items():
        xs, ys = zip(*result["held_out"])
        line, = left.plot(xs, ys, marker="o", label=label)
        if result["train"]:
            steps, values = zip(*result["train"])
            smooth = [sum(values[max(0, i - 2):i + 1]) / len(values[max(0, i - 2):i + 1]) for i in range(len(values))]
            right.plot(steps, smooth, color=line.get_color(), label=label)
    left.set(title=f"{method}: held-out success (50 tasks)", xlabel="RL iteration", ylabel="success rate", ylim=(0, 1))
    right.set(title="training success (mean of 3 iterations)", xlabel="RL iteration", ylim=(0, 1))
    left.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("method", choices=[*VARIANTS, "all"])
    parser.add_argument("--set", dest="overrides", action="append", default=[], help="key=value for every variant")
    parser.add_argument("--base", type=Path, default=BASE, help="the training config every variant starts from")
    parser.add_argument("--out", default="runs/methods", help="where the runs and the results go")
    parser.add_argument("--fresh", action="store_true", help="rerun variants even if a finished run exists")
    args = parser.parse_args()
    for method in VARIANTS if args.method == "all" else [args.method]:
        results = {label: curves(run_variant(label, overrides, args.overrides, args.out, args.fresh, args.base))
                   for label, overrides in VARIANTS[method]}
        out = Path(args.out)
        config = config_dict(load_train_config(args.base, args.overrides))
        (out / f"{method}.json").write_text(json.dumps({"base_config": config, "variants": results}, indent=2))
        plot(method, results, out / f"{method}.png")
        held_out = config["env"]["eval_kwargs"] or f"seeds from {config['env']['eval_seed']}"
        print(f"\n{method} on {config['env']['id']} (held-out success on {config['eval']['episodes']} tasks, {held_out})")
        print(f"{'variant':40s} {'after SFT':>10s} {'after RL':>10s} {'best':>6s} {'wall s':>7s}")
        for label, r in results.items():
            best = max(v for _, v in r["held_out"])
            print(f"{label:40s} {r['eval_sft']['success_rate']:10.0%} {r['eval_after']['success_rate']:10.0%} "
                  f"{best:6.0%} {r['wall_time_s']:7.0f}")
        print(f"results: {out / (method + '.json')}, plot: {out / (method + '.png')}")


if __name__ == "__main__":
    main()
