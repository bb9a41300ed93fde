import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args):
    return subprocess.run([sys.executable, "-m", "humanize", *args], cwd=ROOT, capture_output=True, text=True)


def test_cli_prints_one_size_per_line():
    result = run("1536", "2.5 GiB", "--si")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["1.5 kB", "2.7 GB"]


def test_cli_rejects_an_unreadable_size():
    result = run("12 parsecs")
    assert result.returncode == 2 and "unknown size unit 'parsecs'" in result.stderr
