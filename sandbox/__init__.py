"""Isolated command execution for SWE tasks (DESIGN §2.8): the Docker engine and its labels
(``engine``), offline base and task images (``images``), the locked-down
:class:`~sandbox.sandbox.Sandbox`, the workspace's protected start (``baseline``), and warm pools
of sandboxes (``pool``)."""
