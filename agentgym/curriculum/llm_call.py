"""One policy call with a time budget, for the teachers' language models (subgoal teacher, judge).

A teacher's call must never stop training: :class:`TimedPolicy` runs ``policy.generate`` in a
daemon thread and waits at most ``timeout_s`` for it. A call that raises, that cannot even make
its policy, or that runs out of time raises :class:`CallFailed` with the counter it belongs to
(``errors`` or ``timeouts``); while a timed-out call is still running, the next one fails at
once as a timeout instead of piling a second request onto a stuck endpoint or model. Per-request
failures (``Generation.error``) are the caller's to count: the other requests of the batch stand.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from agentgym.policy import Generation, Policy, Request, make_policy


class CallFailed(Exception):
    """A call that gave nothing; ``kind`` (``errors`` or ``timeouts``) is the counter it goes to."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class TimedPolicy:
    """A policy (or a name for :func:`agentgym.make_policy`, made on first use with
    ``policy_kwargs``) called with a time budget of ``timeout_s`` seconds (module docstring)."""

    def __init__(self, policy: Policy | str, *, timeout_s: float, policy_kwargs: Mapping[str, Any] | None = None,
                 thread_name: str = "agentgym-teacher") -> None:
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be > 0, got {timeout_s}")
        self._policy, self._kwargs = policy, dict(policy_kwargs or {})
        self.timeout_s, self.thread_name = timeout_s, thread_name
        self._busy: threading.Thread | None = None

    @property
    def policy(self) -> Policy:
        if isinstance(self._policy, str):
            self._policy = make_policy(self._policy, **self._kwargs)
        return self._policy

    @property
    def busy(self) -> bool:
        """A timed-out call is still running."""
        return self._busy is not None and self._busy.is_alive()

    def wait_idle(self) -> None:
        """Block until a timed-out call still running has finished."""
        busy = self._busy
        if busy is not None:
            busy.join()

    def generate(self, requests: Sequence[Request]) -> list[Generation]:
        """``policy.generate(requests)`` within the budget.

        Raises:
            CallFailed: the policy cannot be made or raised (``errors``), the call ran out of
                time or an earlier one is still running (``timeouts``), or it answered a
                different number of generations than requests (``errors``).
        """
        if self.busy:
            raise CallFailed("timeouts", f"the previous call (over {self.timeout_s:g} s) is still running")
        try:
            policy = self.policy  # made outside the budget: loading a local model may take a while
        except Exception as exc:  # noqa: BLE001 - a teacher that cannot be made is a failed call, counted
            raise CallFailed("errors", f"cannot make the policy: {type(exc).__name__}: {exc}") from None
        box: dict[str, Any] = {}

        def call() -> None:
            try:
                box["answers"] = policy.generate(list(requests))
            except BaseException as exc:  # noqa: BLE001 - reported to the caller's thread below
                box["raised"] = exc

        thread = threading.Thread(target=call, name=self.thread_name, daemon=True)
        thread.start()
        thread.join(self.timeout_s)
        if thread.is_alive():
            self._busy = thread
            raise CallFailed("timeouts", f"no answer within {self.timeout_s:g} s")
        if "raised" in box:
            exc = box["raised"]
            raise CallFailed("errors", f"the policy raised {type(exc).__name__}: {exc}")
        answers = list(box["answers"])
        if len(answers) != len(requests):
            raise CallFailed("errors", f"the policy gave {len(answers)} answers to {len(requests)} requests")
        return answers


def check_prompt_template(template: str, what: str, **example: Any) -> None:
    """Raise ``ValueError`` unless ``template`` formats with only the fields of ``example``
    (the prompt's fields, with sample values); ``what`` names the prompt in the message."""
    try:
        template.format(**example)
    except (KeyError, IndexError, ValueError) as exc:
        fields = ", ".join(f"{{{name}}}" for name in example)
        raise ValueError(f"a {what} prompt template may use only {fields} (write literal braces as {{{{ and }}}}): "
                         f"{exc!r}") from None
