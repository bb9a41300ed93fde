import pytest

from roman import to_roman


def test_additive_forms():
    assert to_roman(3) == "III" and to_roman(1666) == "MDCLXVI"
    with pytest.raises(ValueError):
        to_roman(0)
