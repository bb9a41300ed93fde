"""Benchmarking agents: ``agentgym eval`` runs a policy over an env or a suite of envs on fixed
held-out seeds, resumably, and writes trajectories, ``manifest.json``, ``summary.json`` and a
report (:mod:`agentgym.eval.runner`); suites are TOML files (:mod:`agentgym.eval.suites`);
``agentgym replay`` re-plays a recorded episode (:mod:`agentgym.eval.replay`)."""

from agentgym.eval.config import EvalConfig, SamplingSection, resolve_config
from agentgym.eval.runner import EvalPlan, execute, prepare, summarize_run
from agentgym.eval.suites import Suite, SuiteEntry, list_suites, load_suite

__all__ = ["EvalConfig", "EvalPlan", "SamplingSection", "Suite", "SuiteEntry", "execute", "list_suites", "load_suite",
           "prepare", "resolve_config", "summarize_run"]
