"""One ScienceWorld JVM: started on demand, stopped on close, never left behind.

py4j starts the JVM with ``die_on_exit``: the Java side exits when its standard input closes,
which the operating system does when the Python process dies, however it dies (SIGKILL
included). So a JVM never outlives the process that started it.
"""

from __future__ import annotations

import logging
import shutil
import subprocess

from agentgym.deps import require
from agentgym.errors import AgentGymError

logger = logging.getLogger(__name__)

JAVA_INSTALL_HINT = "install a Java runtime (17 works), e.g. `apt-get install -y openjdk-17-jre-headless`"


class EngineError(AgentGymError, RuntimeError):
    """The ScienceWorld engine could not be started, or died."""


class ScienceWorldJVM:
    """A running ScienceWorld server and its py4j gateway.

    Args:
        heap: the JVM's maximum heap (``-Xmx``), e.g. ``"1g"``; one JVM with a task loaded
            uses about 0.5 GB resident at the default.
    """

    def __init__(self, heap: str = "1g") -> None:
        if shutil.which("java") is None:
            raise EngineError(f"ScienceWorld needs Java, and no `java` is on PATH: {JAVA_INSTALL_HINT}")
        gateway_module = require("py4j.java_gateway", extra="scienceworld", what="ScienceWorld")
        constants = require("scienceworld.constants", extra="scienceworld", what="ScienceWorld")
        try:
            port, self.process = gateway_module.launch_gateway(
                classpath=constants.JAR_PATH, die_on_exit=True, cwd=constants.BASEPATH,
                return_proc=True, javaopts=[f"-Xmx{heap}"],
            )
            self._gateway = gateway_module.JavaGateway(
                gateway_parameters=gateway_module.GatewayParameters(auto_field=True, port=port),
                java_process=self.process,
            )
            self.server = self._gateway.jvm.scienceworld.runtime.pythonapi.PythonInterface()
        except Exception as exc:  # noqa: BLE001 - any start failure is an engine error
            raise EngineError(f"the ScienceWorld JVM did not start: {exc}") from exc
        logger.info("ScienceWorld JVM %d started on port %d", self.process.pid, port)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        """Stop the gateway and the JVM (killed if it does not exit within a few seconds)."""
        try:
            self._gateway.shutdown()
        except Exception:  # noqa: BLE001 - a dead JVM cannot be shut down politely
            pass
        if self.process.poll() is None:
            try:
                self.process.stdin.close()  # die_on_exit: the JVM exits on end of input
                self.process.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait(timeout=5)
