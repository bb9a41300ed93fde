"""The policy protocol (DESIGN §2.3) and the registry of policy names.

A policy turns conversations into actions, in batches: ``generate(requests)`` returns one
:class:`Generation` per :class:`Request`. Implementations live in ``policies/``; the core
knows them only by ``"module:attr"`` strings, so ``import agentgym`` imports no model code.

Policy names, as the CLI takes them: ``random``, ``expert``, and ``KIND:ARG`` forms that later
implementations add (``hf:PATH``, ``vllm:PATH``, ``openai:MODEL``).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from agentgym.chat import Message
from agentgym.deps import load_attr
from agentgym.errors import PolicyError


@dataclass(frozen=True)
class SamplingParams:
    """How to sample one generation.

    ``seed`` makes a stochastic policy's answer to this request reproducible whatever the
    batching; the rollout derives it from the episode seed and the turn.
    """

    temperature: float = 1.0
    top_p: float = 1.0
    max_new_tokens: int = 256
    stop: tuple[str, ...] = ()
    seed: int | None = None


@dataclass
class Request:
    """One prompt for a policy.

    Attributes:
        messages: the chat so far (``[{"role": ..., "content": ...}]``).
        info: the env's latest ``info`` (scripted policies read ``admissible_actions`` and
            ``expert_action``; model policies ignore it).
        prompt_token_ids: for local models, the exact prompt tokens to condition on (the
            rollout never re-tokenises a past turn); None lets the policy render ``messages``.
        sampling: sampling settings.
    """

    messages: list[Message]
    info: dict[str, Any] = field(default_factory=dict)
    prompt_token_ids: list[int] | None = None
    sampling: SamplingParams = field(default_factory=SamplingParams)


@dataclass
class Generation:
    """A policy's answer to one request.

    ``token_ids`` and ``logprobs`` (one per generated token) come from local models only; API
    policies give text, usage and, with prices configured, ``cost_usd``. ``error`` says that this
    request failed after the policy's own retries (the rollout ends that episode as truncated with
    the error recorded; the other requests of the batch go on).
    """

    text: str
    token_ids: list[int] | None = None
    logprobs: list[float] | None = None
    finish_reason: str = "stop"
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    cost_usd: float = 0.0
    error: str | None = None


@runtime_checkable
class Policy(Protocol):
    """Anything with a ``name`` and a batched ``generate``.

    A policy that depends on a service (an HTTP endpoint) may also define ``check()``, which
    raises :class:`PolicyError` saying what is wrong when the service cannot be used (down,
    wrong key, unknown model); :func:`check_policy` calls it before long work starts.
    """

    name: str

    def generate(self, requests: Sequence[Request]) -> list[Generation]:
        """One generation per request, in order."""
        ...


def check_policy(policy: Policy) -> None:
    """Fail early: run the policy's ``check()`` where it has one (see :class:`Policy`)."""
    check = getattr(policy, "check", None)
    if callable(check):
        check()


POLICY_ENTRY_POINTS: dict[str, str] = {
    "random": "policies.scripted:RandomPolicy",
    "expert": "policies.scripted:ExpertPolicy",
    "hf": "policies.hf:make_hf_policy",
    "openai": "policies.openai_chat:make_openai_policy",
    "vllm": "policies.vllm_engine:make_vllm_policy",
}


def register_policy(kind: str, entry_point: str | Callable[..., Policy]) -> None:
    """Make ``kind`` (or ``kind:ARG``) a policy name; the entry point is called as ``factory(ARG?, **kwargs)``."""
    if not kind or ":" in kind:
        raise PolicyError(f"a policy kind is a non-empty name without ':', got {kind!r}")
    POLICY_ENTRY_POINTS[kind] = entry_point


def make_policy(name: str, **kwargs: Any) -> Policy:
    """Create a policy from its name.

    Args:
        name: ``random``, ``expert``, or ``KIND:ARG`` (the part after the first ``:`` is passed
            as the first positional argument, e.g. a checkpoint path or a model name).
        **kwargs: forwarded to the policy's constructor (``seed=...``, sampling defaults, …).

    Raises:
        PolicyError: unknown kind (the message lists the known ones).
    """
    if not isinstance(name, str) or not name:
        raise PolicyError(f"a policy name must be a non-empty str, got {name!r}")
    kind, sep, arg = name.partition(":")
    if kind not in POLICY_ENTRY_POINTS:
        close = difflib.get_close_matches(kind, list(POLICY_ENTRY_POINTS), n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise PolicyError(f"unknown policy {name!r}.{hint} Known policies: {', '.join(sorted(POLICY_ENTRY_POINTS))}")
    entry_point = POLICY_ENTRY_POINTS[kind]
    factory = load_attr(entry_point) if isinstance(entry_point, str) else entry_point
    return factory(arg, **kwargs) if sep else factory(**kwargs)
