import pytest

from roman import format_label, outline_labels, page_labels
from roman.__main__ import main


def test_labels_in_every_style():
    assert [format_label(3, s) for s in ("upper", "lower", "decimal", "alpha")] == ["III", "iii", "3", "C"]
    assert format_label(28, "alpha") == "AB"
    with pytest.raises(ValueError, match="unknown numbering style"):
        format_label(1, "greek")


def test_outline_labels_continue_from_start():
    assert outline_labels(["Scope", "Terms"], start=2) == ["II. Scope", "III. Terms"]
    assert outline_labels(["Fees"], style="lower", suffix=")") == ["i) Fees"]


def test_front_matter_pages_then_body():
    assert page_labels(3, 2) == ["i", "ii", "iii", "1", "2"]


def test_command_line_converts_both_ways(capsys):
    assert main(["1666", "MDCLXVI", "--lower"]) == 0
    assert capsys.readouterr().out.splitlines() == ["1666 -> mdclxvi", "MDCLXVI -> 1666"]
    assert main(["5000"]) == 1
    assert "1 to 3999" in capsys.readouterr().err
