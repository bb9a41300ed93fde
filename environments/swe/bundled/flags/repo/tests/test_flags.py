import json
import subprocess
import sys
from pathlib import Path

import pytest

from flags import FlagError, parse_flags

ROOT = Path(__file__).resolve().parent.parent


def test_switches_values_and_positionals():
    options, rest = parse_flags(["--verbose", "--name=demo", "input.txt"])
    assert options == {"verbose": True, "name": "demo"} and rest == ["input.txt"]


def test_negated_and_short_switches():
    options, rest = parse_flags(["--no-color", "-xv", "-", "out.txt"])
    assert options == {"color": False, "x": True, "v": True} and rest == ["-", "out.txt"]


def test_double_dash_ends_the_options():
    options, rest = parse_flags(["--fast", "--", "--not-a-flag", "-v"])
    assert options == {"fast": True} and rest == ["--not-a-flag", "-v"]


def test_values_in_the_next_argument_and_the_last_one_wins():
    options, _ = parse_flags(["--limit", "5", "--limit=7", "--name", "x"], takes_value={"limit"})
    assert options == {"limit": "7", "name": True}
    with pytest.raises(FlagError, match="--limit needs a value"):
        parse_flags(["--limit"], takes_value={"limit"})


def test_bad_flags_say_what_is_wrong():
    with pytest.raises(FlagError, match="bad flag '--=3'"):
        parse_flags(["--=3"])
    with pytest.raises(FlagError, match="bad short flag '-a%'"):
        parse_flags(["-a%"])


def test_cli_prints_the_parse_as_json():
    result = subprocess.run([sys.executable, "-m", "flags", "--name=demo", "-q", "in.txt"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"options": {"name": "demo", "q": True}, "positionals": ["in.txt"]}
