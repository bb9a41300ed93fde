"""The settings of ``agentgym eval``: a dataclass read from TOML, flags and ``--set`` overrides.

Every key can be given in a TOML file (``--config``) or overridden with ``--set key=value``
(``--set sampling.temperature=0``, ``--set env_kwargs.level=3``). :meth:`EvalConfig.identity`
is what makes two runs the same run: ``--resume`` refuses an output directory whose run differs
in any of those keys (``out`` and ``concurrency`` change how a run is played, not what it plays).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from agentgym.actions import ACTION_FORMATS
from agentgym.config import apply_overrides, from_dict, load_toml
from agentgym.errors import ConfigError
from agentgym.policy import SamplingParams
from agentgym.rollout.recorder import CONTEXTS, RunSettings

DEFAULT_EPISODES = 10


@dataclass
class SamplingSection:
    """How model policies sample (``[sampling]``); scripted policies ignore it."""

    temperature: float = 1.0
    top_p: float = 1.0
    max_new_tokens: int = 256
    stop: list = field(default_factory=list)

    def params(self) -> SamplingParams:
        return SamplingParams(temperature=self.temperature, top_p=self.top_p, max_new_tokens=self.max_new_tokens,
                              stop=tuple(str(s) for s in self.stop))


@dataclass
class EvalConfig:
    """Everything ``agentgym eval`` needs.

    Attributes:
        env: an env id, a suite name or a suite file (:mod:`agentgym.eval.suites`).
        policy: ``random``, ``expert``, ``hf:PATH``, ``openai:MODEL``, …
        episodes: episodes per env (None: the suite's ``episodes``, else 10).
        seed: episode ``i`` of every env is reset with seed ``seed + i``.
        out: the output directory (default ``runs/eval-<suite>-<policy>-<time>``).
        concurrency: envs played at once (subprocess workers) per env id.
        max_turns: a turn cap of the loop (the env's time limit usually ends episodes first).
        max_episode_steps: overrides every env's time limit.
        action_format: how actions are read from the policy's output (``raw`` for scripted policies).
        system_prompt: a system message before the first observation.
        context: ``text`` (the policy gets the chat), or for local models the token-exact
            ``concat`` / ``window`` contexts a model was trained in (:class:`agentgym.rollout.RunSettings`).
        window_turns: ``window`` only: the past exchanges each prompt shows.
        max_tokens: ``concat`` only: an episode ends once its token sequence is this long.
        env_kwargs: constructor arguments for every env, over the suite's.
        policy_kwargs: arguments for the policy (``base_url``, ``price_in``, ``concurrency``, …).
        step_timeout: seconds a step may take before its worker is restarted and the episode ends as errored.
        sampling: ``[sampling]``.
    """

    env: str = ""
    policy: str = "random"
    episodes: int | None = None
    seed: int = 0
    out: str = ""
    concurrency: int = 4
    max_turns: int = 200
    max_episode_steps: int | None = None
    action_format: str = "raw"
    system_prompt: str | None = None
    context: str = "text"
    window_turns: int = 4
    max_tokens: int | None = None
    env_kwargs: dict = field(default_factory=dict)
    policy_kwargs: dict = field(default_factory=dict)
    step_timeout: float = 300.0
    sampling: SamplingSection = field(default_factory=SamplingSection)

    def validate(self) -> None:
        if not self.env:
            raise ConfigError("no env given: pass --env ID_OR_SUITE or set env in the config file")
        if self.episodes is not None and self.episodes < 1:
            raise ConfigError(f"episodes must be at least 1, got {self.episodes}")
        if self.seed < 0:
            raise ConfigError(f"seed must be non-negative, got {self.seed}")
        if self.concurrency < 1:
            raise ConfigError(f"concurrency must be at least 1, got {self.concurrency}")
        if self.max_turns < 1:
            raise ConfigError(f"max_turns must be at least 1, got {self.max_turns}")
        if self.max_episode_steps is not None and self.max_episode_steps < 1:
            raise ConfigError(f"max_episode_steps must be at least 1, got {self.max_episode_steps}")
        if self.action_format not in ACTION_FORMATS:
            raise ConfigError(f"action_format must be one of {ACTION_FORMATS}, got {self.action_format!r}")
        if self.context not in CONTEXTS:
            raise ConfigError(f"context must be one of {CONTEXTS}, got {self.context!r}")
        if self.window_turns < 0 or (self.max_tokens is not None and self.max_tokens < 1):
            raise ConfigError(f"window_turns must be >= 0 and max_tokens >= 1, got {self.window_turns}, {self.max_tokens}")
        if self.step_timeout <= 0:
            raise ConfigError(f"step_timeout must be positive, got {self.step_timeout}")
        if not 0 <= self.sampling.temperature or not 0 < self.sampling.top_p <= 1 or self.sampling.max_new_tokens < 1:
            raise ConfigError(f"sampling needs temperature >= 0, 0 < top_p <= 1 and max_new_tokens >= 1, got {self.sampling}")

    def run_settings(self) -> RunSettings:
        """How the rollout plays each episode."""
        return RunSettings(action_format=self.action_format, system_prompt=self.system_prompt, max_turns=self.max_turns,
                           sampling=self.sampling.params(), context=self.context, window_turns=self.window_turns,
                           max_tokens=self.max_tokens)

    def identity(self, entries: list[dict[str, Any]], episodes: int) -> dict[str, Any]:
        """What this run plays: the resolved envs and everything that changes an episode."""
        data = asdict(self)
        for key in ("out", "concurrency", "episodes", "env_kwargs", "step_timeout"):
            data.pop(key)  # how it is played, or folded into the resolved entries / episodes
        return {**data, "entries": entries, "episodes": episodes}


def resolve_config(config_file: Path | None, flags: dict[str, Any], overrides: list[str]) -> EvalConfig:
    """Defaults, then the TOML file, then the flags that were given, then ``key=value`` overrides."""
    data = load_toml(config_file) if config_file else {}
    data.update({k: v for k, v in flags.items() if v is not None})
    config = from_dict(EvalConfig, apply_overrides(data, overrides))
    config.validate()
    return config
