"""The training config: defaults, overrides, and every kind of bad input refused before work starts."""

from __future__ import annotations

import pytest

from agentgym.errors import ConfigError, EnvIdError
from agentgym.train.config import TrainConfig, load_train_config


def test_the_demo_config_loads_and_overrides_reach_nested_keys():
    config = load_train_config("configs/demo.toml", ["rl.iterations=3", "env.kwargs.level=2", "rl.algo=rloo"])
    assert isinstance(config, TrainConfig)
    assert config.rl.iterations == 3 and config.rl.algo == "rloo" and config.env.kwargs == {"level": 2}
    assert config.env.eval_kwargs == {"split": "test"} and config.run_dir.endswith("demo")


@pytest.mark.parametrize("override, words", [
    (["rl.iterationz=3"], ["iterationz", "RLSection"]),
    (["rl.lr=fast"], ["RLSection.lr", "float"]),
    (["rl.algo=ppo2"], ["rl.algo", "grpo"]),
    (["rl.loss_level=episode"], ["rl.loss_level"]),
    (["rl.minibatches=3"], ["rl.minibatches", "32"]),
    (["rl.group_size=1"], ["rl.group_size", "grpo"]),
    (["rl.dual_clip=0.5"], ["rl.dual_clip"]),
    (["env.context=text"], ["env.context"]),
    (["sft.data='/nonexistent/chats.jsonl'"], ["sft.data"]),
    (["name='../escape'"], ["name"]),
    (["unknown_section.x=1"], ["unknown_section"]),
    (["rl=3"], ["rl", "table"]),
])
def test_bad_configs_fail_naming_the_key(override, words):
    with pytest.raises(ConfigError) as error:
        load_train_config("configs/demo.toml", override)
    for word in words:
        assert word in str(error.value)


def test_an_env_id_that_does_not_exist_fails_with_close_matches():
    with pytest.raises(EnvIdError, match="textworld/coin-v0"):
        load_train_config("configs/demo.toml", ["env.id='textworld/coins-v0'"])
