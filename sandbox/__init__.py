"""Isolated command execution for SWE tasks (DESIGN §2.8): the Docker engine and its labels
(``engine``), offline base images (``images``), the locked-down :class:`~sandbox.sandbox.Sandbox`,
and warm pools of them (``pool``)."""
