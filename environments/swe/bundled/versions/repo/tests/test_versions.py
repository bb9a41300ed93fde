import pytest

from versions import VersionError, compare_versions, latest, sort_versions
from versions.__main__ import main


def test_single_digit_components():
    assert compare_versions("1.2", "1.3") == -1 and compare_versions("2.0", "1.9") == 1
    assert compare_versions("1.4.1", "1.4.1") == 0


def test_pre_releases_come_before_the_release():
    assert sort_versions(["2.0", "2.0rc1", "2.0a2", "2.0b1", "1.9"]) == ["1.9", "2.0a2", "2.0b1", "2.0rc1", "2.0"]
    assert compare_versions("2.0rc2", "2.0rc1") == 1


def test_prefix_and_spaces_are_ignored():
    assert compare_versions("v1.4", " 1.4 ") == 0
    assert compare_versions("1.4RC1", "1.4rc1") == 0


def test_latest_skips_pre_releases_unless_asked():
    assert latest(["1.2", "1.4rc1", "1.3"]) == "1.3"
    assert latest(["1.2", "1.4rc1", "1.3"], include_prereleases=True) == "1.4rc1"
    assert latest(["3.0b1"]) == "3.0b1"
    with pytest.raises(VersionError):
        latest([])


def test_command_line(capsys):
    assert main(["compare", "1.2", "1.3"]) == 0
    assert main(["latest", "1.2", "1.4", "1.3"]) == 0
    assert capsys.readouterr().out.splitlines() == ["1.2 < 1.3", "1.4"]
    assert main(["compare", "1.2", "one"]) == 2
    assert "'one' is not a version" in capsys.readouterr().err
