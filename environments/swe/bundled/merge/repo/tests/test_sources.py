import json

import pytest

from appconfig import ConfigFileError, coerce, from_env, load_file, load_layers
from appconfig.__main__ import main


def test_ini_sections_nest_and_values_are_coerced(tmp_path):
    path = tmp_path / "site.ini"
    path.write_text("[server]\nport = 8080\ndebug = yes\nratio = 0.5\n\n[db.pool]\nname = main\n")
    assert load_file(path) == {"server": {"port": 8080, "debug": True, "ratio": 0.5},
                               "db": {"pool": {"name": "main"}}}
    assert coerce("off") is False and coerce("v1") == "v1"


def test_environment_variables_become_nested_settings():
    environ = {"APP_DB__PORT": "6543", "APP_DEBUG": "true", "HOME": "/root", "APP_": "x"}
    assert from_env(environ) == {"db": {"port": 6543}, "debug": True}


def test_bad_files_are_reported(tmp_path):
    (tmp_path / "list.json").write_text("[1, 2]")
    (tmp_path / "broken.json").write_text("{")
    (tmp_path / "app.yaml").write_text("a: 1")
    for name, message in (("list.json", "JSON object"), ("broken.json", "not valid JSON"),
                          ("app.yaml", "unknown settings format"), ("missing.json", "cannot read")):
        with pytest.raises(ConfigFileError, match=message):
            load_file(tmp_path / name)


def test_files_and_environment_are_layered(tmp_path):
    (tmp_path / "defaults.json").write_text(json.dumps({"name": "app", "debug": False, "workers": 2}))
    (tmp_path / "site.ini").write_text("[server]\nport = 8080\n")
    settings = load_layers([tmp_path / "defaults.json", tmp_path / "site.ini"], environ={"APP_WORKERS": "8"})
    assert settings == {"name": "app", "debug": False, "workers": 8, "server": {"port": 8080}}


def test_cli_prints_the_merged_settings(tmp_path, capsys):
    (tmp_path / "defaults.json").write_text(json.dumps({"name": "app", "debug": False}))
    (tmp_path / "user.json").write_text(json.dumps({"debug": True}))
    files = [str(tmp_path / "defaults.json"), str(tmp_path / "user.json")]
    assert main(files) == 0
    assert json.loads(capsys.readouterr().out) == {"name": "app", "debug": True}
    assert main([*files, "--get", "name"]) == 0 and capsys.readouterr().out == "app\n"
    assert main([*files, "--get", "db.port"]) == 2
    assert "no setting 'db.port'" in capsys.readouterr().err
