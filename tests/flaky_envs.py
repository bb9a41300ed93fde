"""Envs that fail on purpose, made in worker processes by the collector tests (picklable factories)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from agentgym.env import TextEnv


class FailingEnv(TextEnv):
    """Counts to ten; its ``fail_at``-th step hangs (``mode="hang"``) or raises (``mode="raise"``);
    with ``mode="slow"`` every step takes 0.2 s."""

    def __init__(self, fail_at: int, mode: str) -> None:
        super().__init__()
        self.fail_at, self.mode = fail_at, mode

    def _reset(self, options):
        self.count = 0
        return "Say 'next' ten times.", {"task_id": "count-10", "admissible_actions": ["next"]}

    def _step(self, action):
        self.count += 1
        if self.mode == "slow":
            time.sleep(0.2)
        if self.count == self.fail_at and self.mode != "slow":
            if self.mode == "hang":
                time.sleep(3600)
            raise RuntimeError("the engine broke")
        won = self.count >= 10
        return f"{self.count}", float(won), won, False, {"task_id": "count-10", "admissible_actions": ["next"], "won": won}


@dataclass(frozen=True)
class FailingFactory:
    fail_at: int
    mode: str

    def __call__(self) -> FailingEnv:
        return FailingEnv(self.fail_at, self.mode)


class SlowResetEnv(TextEnv):
    """A reset that takes ``reset_s`` seconds (a game generated on first use) and reports when it
    ran, in wall-clock seconds (``info["reset_window"]``); or raises with ``fail_reset``. One
    step wins."""

    def __init__(self, reset_s: float, fail_reset: bool = False) -> None:
        super().__init__()
        self.reset_s, self.fail_reset = reset_s, fail_reset

    def _reset(self, options):
        began = time.time()
        time.sleep(self.reset_s)
        if self.fail_reset:
            raise RuntimeError("the game could not be generated")
        return "Say 'done'.", {"task_id": "slow", "admissible_actions": ["done"], "reset_window": [began, time.time()]}

    def _step(self, action):
        return "ok", 1.0, True, False, {"task_id": "slow", "admissible_actions": ["done"], "won": True}


@dataclass(frozen=True)
class SlowResetFactory:
    reset_s: float
    fail_reset: bool = False

    def __call__(self) -> SlowResetEnv:
        return SlowResetEnv(self.reset_s, self.fail_reset)
