"""The SWE tools run in a real sandbox: commands, views, unique-match edits, creation, and every
bad call (traversal, symlinks out, binary files, ambiguous edits) answered, never raised."""

from __future__ import annotations

import pytest

pytest.importorskip("docker")

from environments.swe.toolbox import run_tool  # noqa: E402
from environments.swe.tools import parse_tool_call  # noqa: E402

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def box(docker_engine):
    from sandbox.images import build_base_image
    from sandbox.sandbox import Sandbox

    build_base_image()
    with Sandbox(max_output=2000) as sandbox:
        sandbox.write_file("pkg/dates.py", "def weeks(days):\n    return days / 7\n")
        sandbox.write_file("pkg/twice.py", "x = 1\nx = 1\n")
        sandbox.exec("printf '\\x00\\x01\\x02' > blob.bin && ln -s /etc/passwd leak && ln -s /etc leakdir && mkdir -p pkg/sub")
        yield sandbox


def run(box, text):
    return run_tool(box, parse_tool_call(text))


def test_bash_view_edit_create(box):
    out = run(box, "```bash\necho hi; echo oops >&2; exit 3\n```")
    assert not out.ok and not out.modified and out.observation == "hi\noops\n[exit code 3]"
    assert run(box, "```bash\necho '# note' >> pkg/dates.py\n```").modified
    assert run(box, "```bash\nsed -i '$ d' pkg/dates.py\n```").modified  # back to the start: still a change of state
    view = run(box, "```view pkg/dates.py\n```")
    assert view.ok and "     2      return days / 7" in view.observation and "[lines 1-400 of 2]" in view.observation
    edit = run(box, "```edit pkg/dates.py\n<<<<<<< SEARCH\nreturn days / 7\n=======\nreturn days // 7\n>>>>>>> REPLACE\n```")
    assert edit.ok and edit.modified and box.read_file("pkg/dates.py") == b"def weeks(days):\n    return days // 7\n"
    created = run(box, "```create pkg/util.py\nX = 1\n```")
    assert created.ok and created.modified and box.read_file("pkg/util.py") == b"X = 1\n"
    assert "pkg/sub" in run(box, "```view pkg\n```").observation
    long = run(box, "```bash\nseq 100000\n```")
    assert "[output truncated to 2000 bytes per stream]" in long.observation


@pytest.mark.parametrize("text, answer", [
    ("```view ../etc/passwd\n```", "outside the repository"),
    ("```view /etc/passwd\n```", "outside the repository"),
    ("```view leak\n```", "outside the repository"),  # a symlink out
    ("```edit leak\n<<<<<<< SEARCH\nroot\n=======\nmine\n>>>>>>> REPLACE\n```", "outside the repository"),
    ("```create leakdir/evil\nboom\n```", "outside the repository"),  # through a symlinked directory
    ("```create ../x.py\nboom\n```", "outside the repository"),
    ("```view blob.bin\n```", "binary file"),
    ("```view missing.py\n```", "no file missing.py"),
    ("```view pkg/dates.py 9 3\n```", "empty"),
    ("```create pkg/dates.py\nx\n```", "exists already"),
    ("```edit pkg/dates.py\n<<<<<<< SEARCH\nnot there\n=======\nx\n>>>>>>> REPLACE\n```", "occurs 0 times"),
    ("```edit pkg/twice.py\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n```", "occurs 2 times"),
    ("```edit pkg/nothing.py\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n```", "no file"),
])
def test_bad_calls_are_answered_not_raised(box, text, answer):
    before = box.state()
    result = run(box, text)
    assert not result.ok and not result.modified and answer in result.observation
    assert box.state() == before and box.read_file("pkg/twice.py") == b"x = 1\nx = 1\n"  # nothing was written
