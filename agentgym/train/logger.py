"""Where a run's metrics go: ``metrics.jsonl`` always, the console, TensorBoard and Weights &
Biases when asked for (``log.tensorboard`` / ``log.wandb``; a missing package is an error at
start, not a silent no-op), and the learning curves as ``curves.png`` at the end."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from agentgym.deps import require
from agentgym.train.config import TrainConfig, config_dict
from agentgym.train.run_dir import RunDir

CONSOLE_KEYS = (("train/success_rate", "success", "{:.0%}"), ("train/mean_return", "return", "{:.2f}"),
                ("policy/entropy", "entropy", "{:.3f}"), ("loss/kl", "kl", "{:.4f}"),
                ("throughput/generated_tokens_per_s", "tok/s", "{:.0f}"), ("time/rollout_s", "rollout", "{:.1f}s"),
                ("time/update_s", "update", "{:.1f}s"), ("sft/loss", "loss", "{:.3f}"), ("sft/token_prob", "token p", "{:.2f}"))


class MetricsLogger:
    """Logs records of ``(phase, step, metrics)``. ``enabled=False`` (the ranks after rank 0 of
    a distributed run) logs nothing anywhere, so every step is logged once."""

    def __init__(self, run_dir: RunDir, config: TrainConfig, console: Console | None = None, enabled: bool = True) -> None:
        self.run_dir, self.config, self.enabled = run_dir, config, enabled
        self.console = console or Console(stderr=True, highlight=False)
        if not self.console.is_terminal:  # logs and pipes: one line per step, unwrapped
            self.console.width = 200
        self.tensorboard = self.wandb = None
        if not enabled:
            return
        if config.log.tensorboard:
            tensorboard = require("torch.utils.tensorboard", extra=None, what="log.tensorboard")
            self.tensorboard = tensorboard.SummaryWriter(str(run_dir.path / "tensorboard"))
        if config.log.wandb:
            wandb = require("wandb", extra=None, what="log.wandb")
            self.wandb = wandb.init(project=config.log.wandb_project, name=config.name, config=config_dict(config),
                                    dir=str(run_dir.path), resume="allow")

    def info(self, message: str) -> None:
        if self.enabled:
            self.console.print(f"[dim]{self.config.name}[/] {message}")

    def log(self, phase: str, step: int, metrics: dict[str, Any], *, elapsed_s: float) -> None:
        if not self.enabled:
            return
        record = {"phase": phase, "step": step, **metrics, "logged_at_s": elapsed_s}
        self.run_dir.log(record)
        numbers = {k: v for k, v in metrics.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
        if self.tensorboard is not None:  # every phase has its own tags (sft/..., train/..., eval_sft/...)
            for key, value in numbers.items():
                self.tensorboard.add_scalar(key, value, step)
        if self.wandb is not None:
            self.wandb.log({**numbers, f"{phase}/step": step})
        if self.config.log.progress and phase in ("rl", "sft"):
            total = self.config.rl.iterations if phase == "rl" else self.config.sft.epochs
            shown = [f"{label} {fmt.format(numbers[key])}" for key, label, fmt in CONSOLE_KEYS if key in numbers]
            self.console.print(f"[dim]{self.config.name}[/] {phase} {step}/{total}  " + "  ".join(shown)
                               + f"  [dim]{elapsed_s:.0f}s[/]")

    def finish(self, summary: dict[str, Any]) -> None:
        """Print the evaluations as a table and draw the curves."""
        if not self.enabled:
            return
        table = Table(title=f"{self.config.name}: {summary['env_id']}")
        for column in ("evaluation", "success", "return", "turns", "episodes"):
            table.add_column(column, justify="left" if column == "evaluation" else "right")
        for key in ("eval_before", "eval_sft", "eval_after"):
            result = summary.get(key)
            if result:
                table.add_row(key.removeprefix("eval_"), f"{result['success_rate']:.0%} ±{result['success_se']:.0%}",
                              f"{result['mean_return']:.2f}", f"{result['mean_turns']:.1f}", str(result["episodes"]))
        table.caption = f"wall time {summary['wall_time_s']:.0f} s; run directory {self.run_dir.path}"
        Console(highlight=False).print(table)
        plot_curves(self.run_dir)

    def close(self) -> None:
        if self.tensorboard is not None:
            self.tensorboard.close()
            self.tensorboard = None
        if self.wandb is not None:
            self.wandb.finish()
            self.wandb = None


def plot_curves(run_dir: RunDir) -> bool:
    """``curves.png``: RL success and return per iteration, evaluations, entropy, SFT loss.
    False (and no file) when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    records = run_dir.metrics()
    rl = [r for r in records if r["phase"] == "rl"]
    sft = [r for r in records if r["phase"] == "sft"]
    evals = [r for r in records if r["phase"] == "eval"]
    figure, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    ax = axes[0]
    if rl:
        ax.plot([r["step"] for r in rl], [r.get("train/success_rate") for r in rl], label="train (sampled)")
    points = [(r["step"], v) for r in evals for k, v in r.items() if k.endswith("/success_rate")]
    if points:
        ax.plot(*zip(*points), "o--", label="held-out eval")
    ax.set(title="success rate", xlabel="RL iteration", ylim=(-0.02, 1.02))
    ax.legend()
    ax = axes[1]
    if rl:
        ax.plot([r["step"] for r in rl], [r.get("policy/entropy") for r in rl])
    ax.set(title="token entropy (RL)", xlabel="RL iteration")
    ax = axes[2]
    if sft:
        ax.plot([r["step"] for r in sft], [r.get("sft/loss") for r in sft])
    ax.set(title="SFT loss", xlabel="epoch")
    figure.tight_layout()
    figure.savefig(run_dir.path / "curves.png", dpi=100)
    plt.close(figure)
    return True
