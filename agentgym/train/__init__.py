"""The trainer (DESIGN §2.7): SFT and multi-turn RL from a TOML config.

    from agentgym.train import load_train_config, train
    summary = train(load_train_config("configs/demo.toml", ["rl.iterations=5"]))

or ``agentgym train configs/demo.toml --set rl.iterations=5``. See :mod:`agentgym.train.config`
for every key, :mod:`agentgym.train.trainer` for the loop.
"""

from agentgym.train.config import TrainConfig, load_train_config
from agentgym.train.trainer import Trainer, train

__all__ = ["TrainConfig", "Trainer", "load_train_config", "train"]
