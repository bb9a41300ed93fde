"""Warm sandboxes: acquire one in microseconds instead of waiting for a container to start.

:class:`SandboxPool` keeps ``size`` sandboxes started ahead of need by a background thread.
``acquire()`` hands one over (blocking only when all are in use or still starting);
``release(sandbox)`` retires it: it is closed in the background and a fresh one takes its
place, so nothing an episode did (files, processes, /tmp) reaches the next one.
"""

from __future__ import annotations

import queue
import threading
from typing import Any

from sandbox.sandbox import Sandbox, SandboxArgumentError, SandboxError


class SandboxPool:
    """``size`` warm sandboxes made with ``Sandbox(**sandbox_kwargs)``."""

    def __init__(self, size: int = 4, **sandbox_kwargs: Any) -> None:
        if size < 1:
            raise SandboxArgumentError(f"size must be >= 1, got {size}")
        self.size, self.sandbox_kwargs = size, sandbox_kwargs
        self._ready: queue.Queue[Sandbox] = queue.Queue()
        self._retired: queue.Queue[Sandbox | None] = queue.Queue()
        self._errors: list[str] = []
        self._out: set[Sandbox] = set()  # handed out, not yet released
        self._closed = False
        self._wanted = threading.Semaphore(size)  # one permit per sandbox to start
        self._worker = threading.Thread(target=self._keep_warm, name="agentgym-sandbox-pool", daemon=True)
        self._worker.start()

    def _keep_warm(self) -> None:
        while True:
            while not self._retired.empty():
                retired = self._retired.get_nowait()
                if retired is None:
                    return
                retired.close()
            if not self._wanted.acquire(timeout=0.05):
                continue
            if self._closed:
                return
            try:
                self._ready.put(Sandbox(**self.sandbox_kwargs))
            except Exception as exc:  # noqa: BLE001 - acquire() reports it
                self._errors.append(f"{type(exc).__name__}: {exc}")
                self._wanted.release()
                threading.Event().wait(1.0)

    def ready(self) -> int:
        """How many sandboxes wait, started, to be acquired."""
        return self._ready.qsize()

    def acquire(self, timeout: float = 120.0) -> Sandbox:
        """A ready sandbox (waits up to ``timeout`` seconds for one)."""
        if self._closed:
            raise SandboxError("the sandbox pool is closed")
        try:
            sandbox = self._ready.get(timeout=timeout) if timeout > 0 else self._ready.get_nowait()
            self._out.add(sandbox)
            return sandbox
        except queue.Empty:
            why = f" (last error: {self._errors[-1]})" if self._errors else ""
            raise SandboxError(f"no sandbox became ready within {timeout:g} s{why}") from None

    def release(self, sandbox: Sandbox) -> None:
        """Retire ``sandbox`` (closed in the background); a fresh one replaces it."""
        self._out.discard(sandbox)
        self._retired.put(sandbox)
        self._wanted.release()

    def close(self) -> None:
        """Close every sandbox of the pool, in use or not."""
        self._closed = True
        self._retired.put(None)
        self._worker.join(timeout=60)
        while not self._ready.empty():
            self._ready.get_nowait().close()
        for sandbox in list(self._out):
            sandbox.close()
        self._out.clear()
        while not self._retired.empty():
            item = self._retired.get_nowait()
            if item is not None:
                item.close()

    def __enter__(self) -> SandboxPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
