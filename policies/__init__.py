"""Agents that act: scripted baselines (random, expert), transformers models (``hf``), any
OpenAI-compatible endpoint (``openai``), and small offline models for tests and demos."""
