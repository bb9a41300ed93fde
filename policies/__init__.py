"""Agents that act: scripted baselines now; transformers, vLLM and OpenAI-compatible policies
implement the same :class:`agentgym.policy.Policy` protocol."""
