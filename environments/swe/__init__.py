"""Software-engineering tasks in Docker sandboxes (extra ``swe``): SWE-bench-style task records
and the agent's tool calls; the environment itself is being built on them."""
