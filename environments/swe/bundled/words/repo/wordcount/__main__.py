"""Command line: ``python -m wordcount [FILE] --top N`` prints a summary and the top words."""

from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

from wordcount.errors import WordcountError
from wordcount.stats import reading_time, summary, top_words


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Print the summary line, then one ``count  word`` line per top word."""
    parser = argparse.ArgumentParser(prog="wordcount", description="Word frequencies of a text file.")
    parser.add_argument("file", nargs="?", default="-", help="the text file (default: standard input)")
    parser.add_argument("--top", type=int, default=10, help="how many words to list (default: %(default)s)")
    parser.add_argument("--keep-stopwords", action="store_true", help="list common English words too")
    args = parser.parse_args(argv)
    try:
        text = _read(args.file)
        stats = summary(text)
        ranked = top_words(text, args.top, stopwords=()) if args.keep_stopwords else top_words(text, args.top)
    except (OSError, UnicodeDecodeError, WordcountError) as error:
        print(f"wordcount: {error}", file=sys.stderr)
        return 2
    print(
        f"words: {stats.words}  unique: {stats.unique_words}  sentences: {stats.sentences}"
        f"  reading time: {reading_time(text)} min"
    )
    for word, count in ranked:
        print(f"{count:5d}  {word}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
