import subprocess
import sys
from pathlib import Path

import pytest

from batching import BatchWriter, write_batches

ROOT = Path(__file__).resolve().parent.parent


def test_write_batches_sends_every_row_in_order():
    sent = []
    assert write_batches(range(200), sent.append, size=100) == 2
    assert sent == [list(range(100)), list(range(100, 200))]


def test_batch_writer_sends_the_rest_on_close():
    sent = []
    with BatchWriter(sent.append, size=2) as writer:
        for row in "abcde":
            writer.add(row)
    assert sent == [["a", "b"], ["c", "d"], ["e"]] and writer.batches_sent == 3
    with pytest.raises(RuntimeError, match="closed"):
        writer.add("f")


def test_cli_prints_lines_in_groups(tmp_path):
    names = tmp_path / "names.txt"
    names.write_text("ann\nbob\n\ncid\ndan\n")
    result = subprocess.run([sys.executable, "-m", "batching", "-n", "2", str(names)],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["ann, bob", "cid, dan"]
