from config import deep_merge


def test_top_level_keys_are_overridden():
    base = {"debug": False, "name": "app"}
    assert deep_merge(base, {"debug": True}) == {"debug": True, "name": "app"}
    assert base == {"debug": False, "name": "app"}
