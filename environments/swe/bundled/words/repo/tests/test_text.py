import pytest

from wordcount import TextStats, WordcountError, reading_time, sentences, summary, tokenize
from wordcount.__main__ import main


def test_tokenize_normalises_words():
    assert tokenize("Hello, hello! Don't panic.") == ["hello", "hello", "don't", "panic"]
    assert tokenize("\u201cWell-known\u201d \u2014 3.14...") == ["well-known", "3.14"]


def test_sentences():
    assert sentences("It rained. We stayed in! Why") == ["It rained.", "We stayed in!", "Why"]
    assert sentences('He said "stop." Then left... ') == ['He said "stop."', "Then left..."]


def test_summary_and_reading_time():
    assert summary("It rained. We stayed in!") == TextStats(5, 5, 2, 3.6)
    assert summary("") == TextStats(0, 0, 0, 0.0)
    assert reading_time("word " * 401) == 3 and reading_time("") == 0
    with pytest.raises(WordcountError):
        reading_time("text", words_per_minute=0)


def test_command_line(tmp_path, capsys):
    notes = tmp_path / "notes.txt"
    notes.write_text("pear apple pear\nfig pear apple\n", encoding="utf-8")
    assert main([str(notes), "--top", "2"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "words: 6  unique: 3  sentences: 1  reading time: 1 min", "    3  pear", "    2  apple"]
    assert main([str(tmp_path / "missing.txt")]) == 2
    assert "missing.txt" in capsys.readouterr().err
