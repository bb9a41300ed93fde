import pytest

from versions import InvalidSpecifierError, InvalidVersionError, parse_version, satisfies


def test_text_is_kept_as_written():
    version = parse_version("v2024.01.15")
    assert str(version) == "2024.01.15" and version.major == 2024 and not version.is_prerelease
    assert str(parse_version("3.0RC2")) == "3.0rc2" and parse_version("3.0rc2").pre == ("rc", 2)


def test_invalid_versions_are_rejected():
    for text in ("", "1.", ".1", "1..2", "1.2-beta", "one", "1.2rc"):
        with pytest.raises(InvalidVersionError, match="is not a version"):
            parse_version(text)
    with pytest.raises(InvalidVersionError):
        parse_version(None)


def test_specifiers():
    assert satisfies("1.4", ">=1.2,<2.0")
    assert not satisfies("1.3", ">=1.2, <2.0, !=1.3")
    assert satisfies("2.0rc1", "<2.0") and satisfies("1.2", "==1.2")


def test_bad_specifiers_say_what_is_wrong():
    with pytest.raises(InvalidSpecifierError, match="use an operator"):
        satisfies("1.4", "=>1.2")
    with pytest.raises(InvalidSpecifierError, match="is not a version"):
        satisfies("1.4", ">=x")
