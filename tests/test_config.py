"""TOML configs and key=value overrides."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from agentgym import ConfigError
from agentgym.config import apply_overrides, from_dict, load_toml, parse_override


@dataclass
class Cfg:
    env: str = ""
    episodes: int = 1
    lr: float = 1e-3
    limit: int | None = None
    kwargs: dict = field(default_factory=dict)


def test_parse_override_reads_toml_values_and_falls_back_to_strings():
    assert parse_override("episodes=20") == (["episodes"], 20)
    assert parse_override("lr=3e-4") == (["lr"], 3e-4)
    assert parse_override("flag=true") == (["flag"], True)
    assert parse_override('policy="hf:/models/x"') == (["policy"], "hf:/models/x")
    assert parse_override("policy=expert") == (["policy"], "expert")
    assert parse_override("a.b.c=[1, 2]") == (["a", "b", "c"], [1, 2])
    for bad in ("novalue", "=3", "a..b=1", ".a=1"):
        with pytest.raises(ConfigError, match="key=value"):
            parse_override(bad)


def test_apply_overrides_nests_and_does_not_touch_the_input():
    base = {"env": "toy/keys-v0", "kwargs": {"num_rooms": 4}}
    out = apply_overrides(base, ["kwargs.num_rooms=6", "kwargs.num_locks=2", "episodes=3"])
    assert out == {"env": "toy/keys-v0", "kwargs": {"num_rooms": 6, "num_locks": 2}, "episodes": 3}
    assert base == {"env": "toy/keys-v0", "kwargs": {"num_rooms": 4}}
    with pytest.raises(ConfigError, match="not a table"):
        apply_overrides(base, ["env.x=1"])


def test_from_dict_checks_keys_and_types():
    assert from_dict(Cfg, {"episodes": 3, "lr": 1, "limit": None}) == Cfg(episodes=3, lr=1, limit=None)
    with pytest.raises(ConfigError, match="unknown Cfg key"):
        from_dict(Cfg, {"epsiodes": 3})
    with pytest.raises(ConfigError, match="Cfg.episodes must be int"):
        from_dict(Cfg, {"episodes": "3"})
    with pytest.raises(ConfigError, match="Cfg.episodes"):
        from_dict(Cfg, {"episodes": True})
    with pytest.raises(ConfigError, match="Cfg.kwargs"):
        from_dict(Cfg, {"kwargs": [1]})


def test_load_toml_errors_are_clear(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_toml(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("episodes = = 3\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_toml(bad)
    good = tmp_path / "good.toml"
    good.write_text('env = "toy/keys-v0"\n[kwargs]\nnum_rooms = 5\n')
    assert load_toml(good) == {"env": "toy/keys-v0", "kwargs": {"num_rooms": 5}}
