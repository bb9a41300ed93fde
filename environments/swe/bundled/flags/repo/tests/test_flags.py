from flags import parse_flags


def test_switches_values_and_positionals():
    options, rest = parse_flags(["--verbose", "--name=demo", "input.txt"])
    assert options == {"verbose": True, "name": "demo"} and rest == ["input.txt"]
