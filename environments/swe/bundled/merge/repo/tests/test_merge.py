import pytest

from appconfig import ConfigError, deep_merge, merge_all


def test_top_level_keys_are_overridden():
    base = {"debug": False, "name": "app"}
    assert deep_merge(base, {"debug": True}) == {"debug": True, "name": "app"}
    assert base == {"debug": False, "name": "app"}


def test_lists_and_plain_values_are_replaced_wholesale():
    base = {"hosts": ["a", "b"], "db": {"host": "localhost"}, "level": 1}
    merged = deep_merge(base, {"hosts": ["c"], "db": None, "level": {"root": 2}})
    assert merged == {"hosts": ["c"], "db": None, "level": {"root": 2}}


def test_the_result_shares_nothing_with_the_inputs():
    base = {"tags": ["web"]}
    override = {"extra": {"ids": [1]}}
    merged = deep_merge(base, override)
    merged["tags"].append("db")
    merged["extra"]["ids"].append(2)
    assert base == {"tags": ["web"]} and override == {"extra": {"ids": [1]}}


def test_merge_all_applies_layers_in_order():
    assert merge_all() == {}
    assert merge_all({"a": 1, "b": 1}, {"b": 2}, {"b": 3, "c": 3}) == {"a": 1, "b": 3, "c": 3}


def test_layers_must_be_mappings():
    with pytest.raises(ConfigError, match="override must be a mapping"):
        deep_merge({}, [("a", 1)])
