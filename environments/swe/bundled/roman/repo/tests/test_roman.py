import pytest

from roman import InvalidNumeralError, OutOfRangeError, RomanError, from_roman, is_roman, to_roman


def test_additive_forms():
    assert to_roman(3) == "III" and to_roman(1666) == "MDCLXVI"
    with pytest.raises(ValueError):
        to_roman(0)


def test_hundreds_and_tens_use_subtraction():
    assert [to_roman(n) for n in (90, 400, 900, 1990)] == ["XC", "CD", "CM", "MCMXC"]


def test_range_limits():
    assert to_roman(3888) == "MMMDCCCLXXXVIII"
    with pytest.raises(OutOfRangeError, match="1 to 3999"):
        to_roman(4000)
    with pytest.raises(OutOfRangeError):
        to_roman(-7)
    with pytest.raises(TypeError):
        to_roman(2.0)


def test_lowercase_output():
    assert to_roman(1666, lowercase=True) == "mdclxvi"


def test_parse_additive_numerals_in_any_case():
    assert from_roman("MDCLXVI") == 1666
    assert from_roman("  xxiii ") == 23
    assert from_roman("MCMXC") == 1990


def test_parse_rejects_non_canonical_spellings():
    for text in ("", "IIV", "VV", "MIM", "ABC", "XIIX"):
        with pytest.raises(InvalidNumeralError):
            from_roman(text)
    assert issubclass(InvalidNumeralError, RomanError) and issubclass(RomanError, ValueError)
    assert is_roman("CCL") and not is_roman("LL")
