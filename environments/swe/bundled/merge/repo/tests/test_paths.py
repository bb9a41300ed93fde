import pytest

from appconfig import ConfigKeyError, flatten, get_path, set_path


def test_get_and_set_dotted_paths():
    settings = {"db": {"host": "localhost"}}
    set_path(settings, "db.pool.size", 5)
    assert settings == {"db": {"host": "localhost", "pool": {"size": 5}}}
    assert get_path(settings, "db.pool.size") == 5
    assert get_path(settings, "db.user", "admin") == "admin"
    assert flatten(settings) == {"db.host": "localhost", "db.pool.size": 5}


def test_bad_paths_say_what_is_wrong():
    settings = {"db": {"host": "localhost"}}
    with pytest.raises(ConfigKeyError, match="no setting 'db.port'"):
        get_path(settings, "db.port")
    with pytest.raises(ConfigKeyError, match="'db.host' is a value"):
        set_path(settings, "db.host.name", "x")
    with pytest.raises(ConfigKeyError, match="not a key path"):
        get_path(settings, "db..host")
