import pytest

from flags import FlagError, FlagSet, Option, UnknownFlagError


def report_cli():
    return FlagSet("report", [
        Option("limit", int, default=10, help="rows to show"),
        Option("tag", multiple=True, help="only rows with this tag"),
        Option("verbose", bool, help="say more"),
        Option("dry-run", bool),
    ])


def test_typed_options_defaults_and_repeats():
    args = report_cli().parse(["--limit", "5", "--tag=red", "--tag", "blue", "--dry-run", "data.csv"])
    assert args.options == {"limit": 5, "tag": ["red", "blue"], "verbose": False, "dry-run": True}
    assert args.positionals == ["data.csv"] and args.dry_run is True
    assert report_cli().parse([]).options == {"limit": 10, "tag": [], "verbose": False, "dry-run": False}


def test_unknown_flags_and_bad_values_are_errors():
    with pytest.raises(UnknownFlagError, match="unknown flag --limt; did you mean --limit"):
        report_cli().parse(["--limt=3"])
    with pytest.raises(FlagError, match="--limit expects int, got 'ten'"):
        report_cli().parse(["--limit=ten"])
    with pytest.raises(FlagError, match="--verbose expects bool, got 'maybe'"):
        report_cli().parse(["--verbose=maybe"])


def test_help_lists_every_option():
    assert report_cli().format_help().splitlines() == [
        "usage: report [options] [args...]",
        "",
        "  --limit=INT  rows to show (default: 10)",
        "  --tag=STR    only rows with this tag (repeatable)",
        "  --verbose    say more",
        "  --dry-run",
    ]
