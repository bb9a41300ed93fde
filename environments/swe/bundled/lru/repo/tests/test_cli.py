from lru import parse_trace, replay
from lru.__main__ import main


def test_trace_parsing_skips_comments():
    assert parse_trace("a, b  c\n# warm-up done\nd # last\n\n") == ["a", "b", "c", "d"]


def test_replay_counts_hits_misses_and_evictions():
    stats = replay("a a b c a".split(), capacity=2)
    assert (stats.hits, stats.misses, stats.evictions) == (1, 4, 2)


def test_cli_compares_capacities(tmp_path, capsys):
    trace = tmp_path / "trace.txt"
    trace.write_text("a b c\na b c\n")
    assert main(["--capacity", "2", "--capacity", "3", "--file", str(trace)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "capacity 2: hits 0, misses 6, evictions 4, hit rate 0.0%",
        "capacity 3: hits 3, misses 3, evictions 0, hit rate 50.0%",
    ]
    assert main(["--capacity", "0", "a"]) == 2
    assert "at least 1" in capsys.readouterr().err
