"""The Docker sandbox on a real engine: commands, limits, isolation, files, diff, snapshots, the
workspace's protected start, output capped inside the container, both time limits, no leaked
containers (a real SIGKILLed owner included), and the engine script's start/stop contract."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

pytest.importorskip("docker")

from sandbox.engine import LABEL, reap  # noqa: E402

pytestmark = pytest.mark.docker
ENGINE_SCRIPT = Path(__file__).resolve().parents[1] / "sandbox" / "scripts" / "docker-engine"


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


def test_the_container_is_configured_locked_down(box):
    config = box.container.attrs
    host = config["HostConfig"]
    assert host["Privileged"] is False and host["CapDrop"] == ["ALL"] and not host.get("CapAdd")
    assert host["Init"] is True and host["ReadonlyRootfs"] is True and host["NetworkMode"] == "none"
    assert host["NanoCpus"] == 10**9 and host["Memory"] == 2**30 and host["PidsLimit"] == 256
    assert host["SecurityOpt"] == ["no-new-privileges"]
    assert host["Binds"] == [f"{box.volume.name}:/workspace:rw"]  # the workspace volume, no host path
    assert {m["Type"] for m in config["Mounts"]} == {"volume"} and list(host["Tmpfs"]) == ["/tmp"]
    assert config["Config"]["User"] == "65534:65534"  # the container's own process is nobody's, not the agent's


def test_giant_output_is_cut_inside_the_container(box):
    tracemalloc.start()
    try:
        result = box.exec("yes | head -c 50000000; yes e | head -c 3000 >&2; exit 4", timeout=60)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.exit_code == 4 and len(result.stdout) == 1000 and result.stdout == "y\n" * 500
    assert result.stdout_truncated and result.stderr_truncated and len(result.stderr) == 1000
    assert peak < 4 * 2**20  # 50 MB went through the container's pipes, not through this process
    assert result.duration_s < 20  # 123 s for 300 MB when the cap was applied here
    assert box.exec("printf abc").stdout == "abc" and not box.exec("printf abc").stdout_truncated


def test_background_jobs_neither_hold_the_call_nor_lose_what_came_first(box):
    start = time.perf_counter()
    result = box.exec("echo before; (sleep 30; echo late) & setsid sleep 30 & yes >&2 & sleep 0.2; echo after; exit 5")
    assert result.exit_code == 5 and result.stdout == "before\nafter\n" and result.stderr_truncated
    assert time.perf_counter() - start < 5  # not the background jobs' 30 s
    assert box.exec("kill -9 $$").exit_code == 137


SERVER_PID = "read -r _ _ _ server _ < /proc/$PPID/stat; echo $server"  # bash's parent is `timeout`, its parent the server


def test_commands_go_through_one_command_server_that_survives_being_killed(box):
    first = box.exec(SERVER_PID).stdout
    assert box.exec(SERVER_PID).stdout == first  # one long-lived process: no engine exec per command
    assert box.exec("kill -9 -1").exit_code == 137  # the agent kills all it owns, the server included
    assert box.exec("echo back").stdout == "back\n"
    assert box.exec(SERVER_PID).stdout != first  # a new server
    # a background job kills the server between two commands: the next command runs, exactly once
    box.exec(f"server=$({SERVER_PID}); (sleep 0.3; kill -9 $server) >/dev/null 2>&1 &")
    time.sleep(1.5)
    assert box.exec("echo x >> once; cat once").stdout == "x\n"
    assert box.exec("cd /; pwd", workdir="/tmp").stdout == "/\n" and box.exec("pwd", workdir="/tmp").stdout == "/tmp\n"
    missing = box.exec("true", workdir="/nowhere")
    assert missing.exit_code == 126 and "/nowhere" in missing.stderr


def test_commands_from_two_threads_run_at_once(box):
    from concurrent.futures import ThreadPoolExecutor

    start = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:  # the second one takes a docker exec of its own
        results = list(pool.map(lambda i: box.exec(f"sleep 1; echo {i}"), range(2)))
    assert [r.stdout for r in results] == ["0\n", "1\n"]
    assert time.perf_counter() - start < 1.9  # not one after the other


def test_an_image_without_perl_runs_each_command_in_an_exec_of_its_own(engine, image):
    from sandbox.sandbox import Sandbox

    helper = engine.containers.run(image, ["sh", "-c", "rm -f /usr/bin/perl*"], user="0:0", detach=True)
    helper.wait()
    tag = "agentgym/test-noperl:latest"
    helper.commit(*tag.split(":"))
    helper.remove()
    try:
        with Sandbox(tag, max_output=11) as box:
            assert not box.exec("command -v perl").ok
            result = box.exec("head -c 5000 /dev/zero | tr '\\0' x; echo e >&2; exit 7")
            assert (result.exit_code, result.stdout, result.stderr, result.stdout_truncated) == (7, "x" * 11, "e\n", True)
            assert box.exec(SERVER_PID).stdout != box.exec(SERVER_PID).stdout  # the capping shell, new each time
            box.write_file("a.txt", "1\n")
            assert "+1" in box.diff()
    finally:
        engine.images.remove(tag, force=True)


def test_a_container_killed_mid_command_ends_it_and_breaks_the_sandbox(engine, image):
    import threading

    from sandbox.sandbox import Sandbox, SandboxError

    before = ours(engine)
    sandbox = Sandbox()
    threading.Timer(0.5, sandbox.container.kill).start()
    try:  # the engine may not yet say the container exited when the command's end is seen
        assert sandbox.exec("sleep 30", timeout=60).exit_code == 137  # SIGKILLed with its container
        with pytest.raises(SandboxError, match="the container failed"):
            sandbox.exec("true")
    except SandboxError as error:
        assert "the container failed" in str(error)
    with pytest.raises(SandboxError, match="closed"):
        sandbox.exec("true")
    assert ours(engine) == before
    with pytest.raises(SandboxError, match="closed"):
        sandbox.exec("true")


def test_the_outside_time_limit_kills_a_command_the_inside_one_cannot_end(engine, image):
    from sandbox.sandbox import Sandbox, SandboxError

    before = ours(engine)
    sandbox = Sandbox()
    start = time.perf_counter()
    # the command stops the in-container process that would end it (the command server, its
    # grandparent: bash's parent is `timeout`), so only the outside limit is left
    with pytest.raises(SandboxError, match="overran its time limit outside"):
        sandbox.exec("read -r _ _ _ runner _ < /proc/$PPID/stat; kill -STOP $runner; sleep 60", timeout=1, grace=0.5)
    assert time.perf_counter() - start < 10
    assert ours(engine) == before  # the container was killed and removed
    with pytest.raises(SandboxError, match="closed"):
        sandbox.exec("true")


def test_the_start_is_out_of_the_agents_reach_and_files_go_back_to_it(box):
    from sandbox.sandbox import SandboxArgumentError

    box.write_file("src/fix.py", "x = 1\n")
    box.write_file("tests/test_x.py", "def test(): pass\n")
    box.mark_start()
    wipe = box.exec("rm -rf /tmp/.agentgym-baseline; touch /tmp/.agentgym-baseline/objects/x")
    assert not wipe.ok and "Permission denied" in wipe.stderr
    box.exec("echo 'x = 2' > src/fix.py && echo hack > conftest.py && echo 'def test(): 1/0' > tests/test_x.py "
             "&& echo conftest.py > .gitignore && chmod 000 src/fix.py")
    assert "+x = 2" in box.diff()  # still against the start, the private file included
    assert box.changes() == {".gitignore": "A", "conftest.py": "A", "src/fix.py": "M", "tests/test_x.py": "M"}
    assert box.start_content("tests/test_x.py") == "def test(): pass\n" and box.start_content("conftest.py") is None
    box.restore_start(["conftest.py", "tests/test_x.py"])
    assert box.changes() == {".gitignore": "A", "src/fix.py": "M"}
    patch = ("diff --git a/tests/test_x.py b/tests/test_x.py\n--- a/tests/test_x.py\n+++ b/tests/test_x.py\n"
             "@@ -1 +1,2 @@\n def test(): pass\n+def test_more(): pass\n")
    assert box.apply_patch(patch) is None and box.read_file("tests/test_x.py").endswith(b"test_more(): pass\n")
    assert "does not apply" in box.apply_patch(patch)
    with pytest.raises(SandboxArgumentError, match="outside /workspace"):
        box.read_file("/etc/passwd")


def test_the_agents_leftover_processes_can_be_stopped(box):
    box.exec("(sleep 300 >/dev/null 2>&1 &); setsid sleep 300 >/dev/null 2>&1 &")
    count = "grep -lx sleep /proc/[0-9]*/comm | wc -l"
    assert box.exec(count).stdout.strip() == "3"  # two of the agent's and the container's own
    box.stop_processes()
    assert box.exec(count).stdout.strip() == "1"
    box.exec("kill -9 -1")  # the agent trying the same cannot end the container either
    box.container.reload()
    assert box.container.status == "running" and box.exec("true").ok


def test_engine_script_uses_a_running_engine_and_stops_only_its_own_dockerd(engine, tmp_path):
    env = {**os.environ, "AGENTGYM_DOCKER_ROOT": str(tmp_path)}
    started = subprocess.run([str(ENGINE_SCRIPT), "start"], capture_output=True, text=True, env=env, timeout=60)
    assert started.returncode == 0 and "AGENTGYM_DOCKER_STARTED" not in started.stdout  # nothing started: nothing to stop
    stranger = subprocess.Popen(["sleep", "60"])
    try:
        (tmp_path / "dockerd.pid").write_text(f"{stranger.pid}\n")  # a stale pidfile whose pid was reused
        stopped = subprocess.run([str(ENGINE_SCRIPT), "stop"], capture_output=True, text=True, env=env, timeout=60)
        assert stopped.returncode == 0 and "not a dockerd" in stopped.stderr and stranger.poll() is None
    finally:
        stranger.kill()
        stranger.wait()
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    assert "AGENTGYM_DOCKER_STARTED" in ci


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
