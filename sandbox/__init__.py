"""Isolated command execution for SWE tasks: a Docker backend, offline base images, warm pools
(DESIGN §2.8)."""
