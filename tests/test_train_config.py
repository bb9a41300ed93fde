"""The training config: defaults, overrides, and every kind of bad input refused before work starts."""

from __future__ import annotations

import pytest

from agentgym.errors import ConfigError, EnvIdError
from agentgym.train.config import TrainConfig, load_train_config


def test_the_demo_config_loads_and_overrides_reach_nested_keys():
    config = load_train_config("configs/demo.toml", ["rl.iterations=3", "env.kwargs.level=2", "rl.algo=rloo"])
    assert isinstance(config, TrainConfig)
    assert config.rl.iterations == 3 and config.rl.algo == "rloo"
    assert config.env.kwargs == {"level": 2, "goal": "brief", "list_actions": True}  # the override replaced one key only
    assert config.env.eval_kwargs == {"split": "test"} and config.run_dir.endswith("demo")


@pytest.mark.parametrize("override, words", [
    (["rl.iterationz=3"], ["iterationz", "RLSection"]),
    (["rl.lr=fast"], ["RLSection.lr", "float"]),
    (["rl.algo=ppo2"], ["rl.algo", "grpo"]),
    (["rl.loss_level=batch"], ["rl.loss_level", "episode"]),
    (["rl.minibatches=3"], ["rl.minibatches", "64"]),
    (["rl.group_size=1"], ["rl.group_size", "grpo"]),
    (["rl.dual_clip=0.5"], ["rl.dual_clip"]),
    (["env.context=text"], ["env.context"]),
    (["sft.data='/nonexistent/chats.jsonl'"], ["sft.data"]),
    (["name='../escape'"], ["name"]),
    (["unknown_section.x=1"], ["unknown_section"]),
    (["rl=3"], ["rl", "table"]),
    (["model.lora_rank=-1"], ["model.lora_rank"]),
    (["model.lora_rank=8", "model.lora_alpha=0"], ["model.lora_alpha"]),
    (["model.lora_rank=8", "model.lora_dropout=1.0"], ["model.lora_dropout"]),
    (["model.lora_rank=8", "model.lora_target_modules=[]"], ["model.lora_target_modules", "all-linear"]),
    (["model.lora_target_modules='q_proj'"], ["lora_target_modules", "list"]),
    (["model.amp=true", "model.device='cpu'"], ["model.amp", "CUDA", "model.amp = false"]),
])
def test_bad_configs_fail_naming_the_key(override, words):
    with pytest.raises(ConfigError) as error:
        load_train_config("configs/demo.toml", override)
    for word in words:
        assert word in str(error.value)


def test_an_env_id_that_does_not_exist_fails_with_close_matches():
    with pytest.raises(EnvIdError, match="textworld/coin-v0"):
        load_train_config("configs/demo.toml", ["env.id='textworld/coins-v0'"])


def test_lora_defaults_target_the_attention_projections_and_amp_needs_cuda():
    config = load_train_config("configs/demo.toml", ["model.lora_rank=8"])
    assert config.model.lora_target_modules == ["q_proj", "k_proj", "v_proj", "o_proj"] and config.model.lora_dropout == 0.0
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():  # the default device is the CPU here: mixed precision is refused, not ignored
        with pytest.raises(ConfigError, match="model.amp"):
            load_train_config("configs/demo.toml", ["model.amp=true"])


def test_a_config_written_as_toml_reads_back_equal_including_unset_optional_keys():
    import tomllib

    from agentgym.train.config import config_toml

    config = load_train_config("configs/demo.toml", ["gra.enabled=true", "herl.rubric_weights={coin = 2.0}"])
    assert config.gra.threshold is None  # None: chosen per env; TOML cannot hold it, so it is left out
    text = config_toml(config)
    assert "threshold" not in text.split("[gra]")[1].split("[")[0]
    assert load_train_config(data=tomllib.loads(text)) == config
