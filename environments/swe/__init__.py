"""Software-engineering tasks in Docker sandboxes (extra ``swe``): SWE-bench-style task records
(``tasks``), the agent's tool calls (``tools``, ``toolbox``), the evaluation by hidden tests
(``evaluation``) and the environment (``env``: ``swe/local-v0``, ``swe/tasks-v0``)."""
