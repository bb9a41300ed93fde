"""The Docker sandbox on a real engine: commands, limits, isolation, files, diff, snapshots,
and no leaked containers (a real SIGKILLed owner included)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

pytest.importorskip("docker")

from sandbox.engine import LABEL, reap  # noqa: E402

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def engine(docker_engine):
    return docker_engine


@pytest.fixture(scope="module")
def image(engine):
    from sandbox.images import build_base_image

    return build_base_image()


def ours(engine) -> int:
    return len(engine.containers.list(all=True, filters={"label": LABEL}))


@pytest.fixture
def box(engine, image):
    from sandbox.sandbox import Sandbox

    before = ours(engine)
    with Sandbox(max_output=1000) as sandbox:
        yield sandbox
    assert ours(engine) == before  # closed: nothing left behind


def test_commands_run_as_an_unprivileged_user_in_the_workspace(box):
    result = box.exec("id -u; pwd; echo err >&2; exit 3")
    assert result.exit_code == 3 and result.stdout.split() == ["1000", "/workspace"] and result.stderr == "err\n"
    assert box.exec("true").ok and box.exec("python3 -c 'import pytest, sys; print(sys.version_info[0])'").stdout == "3\n"


def test_time_limits_and_output_caps(box):
    start = time.perf_counter()
    slow = box.exec("sleep 30", timeout=1)
    assert slow.timed_out and slow.exit_code == 124 and time.perf_counter() - start < 10
    loud = box.exec("head -c 5000 /dev/zero | tr '\\0' x; printf '\\xff\\xfe' >&2")
    assert len(loud.stdout) == 1000 and loud.stdout_truncated and not loud.stderr_truncated and "\ufffd" in loud.stderr


def test_locked_down_network_root_memory_and_processes(box):
    assert not box.exec("python3 -c \"import socket; socket.create_connection(('1.1.1.1', 80), timeout=3)\"").ok
    assert "Read-only file system" in box.exec("touch /usr/x").stderr
    assert box.exec("touch /tmp/x && touch /workspace/x").ok
    hog = box.exec("python3 -c \"b = bytearray(3 * 1024**3)\"", timeout=60)
    assert not hog.ok  # past the 1 GiB memory limit
    forks = box.exec("for i in $(seq 400); do sleep 5 & done; wait", timeout=30)
    assert "fork" in forks.stderr.lower() or "resource" in forks.stderr.lower()


def test_files_copies_diff_snapshot_restore(box, tmp_path):
    box.write_file("pkg/mod.py", "x = 1\n")
    box.write_file("/workspace/data.bin", bytes(range(256)))
    assert box.read_file("pkg/mod.py") == b"x = 1\n" and box.read_file("data.bin") == bytes(range(256))
    source = tmp_path / "src"
    (source / "sub").mkdir(parents=True)
    (source / "sub" / "a.txt").write_text("alpha\n")
    box.copy_in(source, "/workspace/copied")
    assert box.exec("cat copied/sub/a.txt && stat -c %u copied/sub/a.txt").stdout == "alpha\n1000\n"
    diff = box.diff()
    assert "+++ b/pkg/mod.py" in diff and "+x = 1" in diff and "copied/sub/a.txt" in diff
    snapshot = box.snapshot()
    box.exec("rm -r pkg && echo changed > copied/sub/a.txt")
    box.restore(snapshot)
    assert box.read_file("pkg/mod.py") == b"x = 1\n" and box.read_file("copied/sub/a.txt") == b"alpha\n"
    box.mark_start()
    assert box.diff() == ""
    box.copy_out("/workspace/copied", tmp_path / "out")
    assert (tmp_path / "out" / "sub" / "a.txt").read_text() == "alpha\n"
    for outside in ("../etc/passwd", "/etc/passwd", "/tmp/x"):
        with pytest.raises(ValueError, match="outside"):
            box.write_file(outside, "x")


def test_a_closed_sandbox_refuses_work(engine, image):
    from sandbox.sandbox import Sandbox, SandboxError

    sandbox = Sandbox()
    sandbox.close()
    sandbox.close()  # idempotent
    with pytest.raises(SandboxError, match="closed"):
        sandbox.exec("true")


def test_containers_of_a_killed_process_are_reaped(engine, image):
    before = ours(engine)
    code = "from sandbox.sandbox import Sandbox; s = Sandbox(); print('up', flush=True); import time; time.sleep(600)"
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env={**os.environ})
    assert child.stdout.readline().strip() == "up"
    assert ours(engine) == before + 1
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert ours(engine) == before + 1  # SIGKILL skips every cleanup hook
    assert reap() >= 1 and ours(engine) == before


def test_a_warm_pool_hands_out_fresh_sandboxes_fast_and_eight_run_at_once(engine, image):
    import threading

    from sandbox.pool import SandboxPool
    from sandbox.sandbox import SandboxError

    before = ours(engine)
    with SandboxPool(size=8) as pool:
        boxes = [pool.acquire() for _ in range(8)]
        results = [None] * 8

        def work(i):
            boxes[i].write_file("mine.txt", str(i))
            results[i] = boxes[i].exec("python3 -c 'import sys; print(open(\"mine.txt\").read())'; sleep 1")

        threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [r.stdout.strip() for r in results] == [str(i) for i in range(8)] and all(r.ok for r in results)
        pool.release(boxes[0])
        again = pool.acquire()
        assert not again.exec("test -e mine.txt").ok  # a fresh sandbox, not a reused one
        pool.release(again)
        deadline = time.monotonic() + 120
        while pool.ready() < 1 and time.monotonic() < deadline:  # the pool refills in the background
            time.sleep(0.1)
        assert pool.acquire(timeout=0).exec("true").ok  # a warm one is handed over without waiting
        with pytest.raises(SandboxError, match="no sandbox became ready"):
            pool.acquire(timeout=0)  # all eight are out
    assert ours(engine) == before
