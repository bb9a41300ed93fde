"""``openai:MODEL``: any OpenAI-compatible chat endpoint as a policy (OpenAI, vLLM's server,
``agentgym serve``, …), through the official ``openai`` client.

* A batch of requests is sent concurrently (``asyncio``), at most ``concurrency`` at a time.
* Rate limits (429), server errors (5xx), timeouts and dropped connections are retried with
  exponential backoff and jitter (``max_retries`` times); other client errors (400, 401, 404)
  are not. A request that fails for good comes back as a :class:`Generation` with ``error``
  set, so the rollout ends that one episode (recorded, counted) and the rest of the batch goes on.
* ``check()`` asks the endpoint for its models before long work starts: an endpoint that is
  down, a wrong key or a model the endpoint does not list raise :class:`PolicyError` at once.
* ``usage`` accumulates requests, tokens, retries and, with prices per million tokens, cost.
* ``tools=True`` offers the model one function, ``act(action)``, and returns its call as
  ``{"name": "act", "arguments": {...}}`` text, which ``action_format="json"`` extracts.

Base URL and key come from ``base_url=`` / ``api_key=`` or ``OPENAI_BASE_URL`` /
``OPENAI_API_KEY``. API policies return text and usage only: no token ids or log-probs, so
they can be benchmarked, not trained.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agentgym.deps import require
from agentgym.errors import PolicyError
from agentgym.policy import Generation, Request

ACT_TOOL = {
    "type": "function",
    "function": {
        "name": "act",
        "description": "Send one action (a command) to the environment.",
        "parameters": {"type": "object", "properties": {"action": {"type": "string"}}, "required": ["action"]},
    },
}


@dataclass
class Usage:
    """What a policy has spent so far."""

    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    retries: int = 0
    cost_usd: float = 0.0


class OpenAIPolicy:
    """A chat model behind an OpenAI-compatible endpoint.

    Args:
        model: the model name the endpoint knows.
        base_url, api_key: the endpoint (default: ``OPENAI_BASE_URL`` / ``OPENAI_API_KEY``).
        concurrency: requests in flight at once.
        max_retries: retries of a request that hit a rate limit, a 5xx, a timeout or a dropped
            connection (backoff ``backoff * 2**k`` seconds, with jitter, capped at 30 s).
        timeout: seconds per HTTP request.
        price_in, price_out: USD per million prompt / completion tokens, for ``usage.cost_usd``.
        tools: offer the ``act`` tool and return its call (see the module docstring).
    """

    def __init__(self, model: str, *, base_url: str | None = None, api_key: str | None = None, concurrency: int = 8,
                 max_retries: int = 5, timeout: float = 60.0, backoff: float = 0.5, price_in: float = 0.0,
                 price_out: float = 0.0, tools: bool = False, seed: int | None = None) -> None:
        if not model:
            raise PolicyError("the openai policy needs a model name: openai:MODEL")
        if concurrency < 1 or max_retries < 0:
            raise ValueError("concurrency must be >= 1 and max_retries >= 0")
        self._openai = require("openai", extra="openai", what="the openai policy")
        self.name = f"openai:{model}"
        self.model = model
        base_url = base_url or os.environ.get("OPENAI_BASE_URL")
        api_key = api_key or os.environ.get("OPENAI_API_KEY") or ("EMPTY" if base_url else None)  # local servers need none
        if api_key is None:
            raise PolicyError("the openai policy needs a key: set OPENAI_API_KEY (or OPENAI_BASE_URL for a local server)")
        self.client_args = {"base_url": base_url, "api_key": api_key, "timeout": timeout,
                            "max_retries": 0}  # retries are ours, so they are counted
        self.concurrency, self.max_retries, self.backoff = concurrency, max_retries, backoff
        self.price_in, self.price_out, self.tools = price_in, price_out, tools
        self.usage = Usage()
        self._jitter = random.Random(seed)

    def generate(self, requests: Sequence[Request]) -> list[Generation]:
        """Answer a batch (blocking); use :meth:`agenerate` from async code."""
        return asyncio.run(self.agenerate(requests))

    async def agenerate(self, requests: Sequence[Request]) -> list[Generation]:
        client = self._openai.AsyncOpenAI(**self.client_args)
        limit = asyncio.Semaphore(self.concurrency)
        try:
            answers = await asyncio.gather(*(self._one(client, limit, r) for r in requests), return_exceptions=True)
        finally:
            await client.close()
        for answer in answers:  # anything but a request that failed for good is a bug: raise it
            if isinstance(answer, BaseException) and not isinstance(answer, PolicyError):
                raise answer
        return [Generation(text="", finish_reason="error", error=str(a)) if isinstance(a, PolicyError) else a for a in answers]

    def check(self) -> None:
        """Raise :class:`PolicyError` unless the endpoint answers, takes the key and lists the model
        (an endpoint without ``/models`` is asked for a one-token completion instead)."""
        client = self._openai.OpenAI(**{**self.client_args, "timeout": min(30.0, self.client_args["timeout"])})
        where = self.client_args["base_url"] or "the OpenAI API"
        errors = self._openai
        try:
            try:
                models = [m.id for m in client.models.list()]
            except errors.NotFoundError:
                client.chat.completions.create(model=self.model, messages=[{"role": "user", "content": "ping"}], max_tokens=1)
                return
        except errors.AuthenticationError as exc:
            raise PolicyError(f"{self.name}: {where} refused the API key (set OPENAI_API_KEY): {exc}") from exc
        except (errors.APIConnectionError, errors.APITimeoutError) as exc:
            raise PolicyError(f"{self.name}: cannot reach {where} (is the server up? OPENAI_BASE_URL): {exc}") from exc
        except errors.APIStatusError as exc:
            raise PolicyError(f"{self.name}: {where} answered {exc.status_code}: {exc}") from exc
        finally:
            client.close()
        if models and self.model not in models:
            raise PolicyError(f"{self.name}: {where} does not serve the model {self.model!r}; it lists: {', '.join(models[:20])}")

    async def _one(self, client: Any, limit: asyncio.Semaphore, request: Request) -> Generation:
        s = request.sampling
        body: dict[str, Any] = {"model": self.model, "messages": request.messages, "temperature": s.temperature,
                                "top_p": s.top_p, "max_tokens": s.max_new_tokens}
        if s.stop:
            body["stop"] = list(s.stop)
        if s.seed is not None:
            body["seed"] = s.seed
        if self.tools:
            body["tools"] = [ACT_TOOL]
        errors = self._openai
        retryable = (errors.RateLimitError, errors.InternalServerError, errors.APITimeoutError, errors.APIConnectionError)
        async with limit:
            start = time.perf_counter()
            for attempt in range(self.max_retries + 1):
                try:
                    response = await client.chat.completions.create(**body)
                    break
                except retryable as exc:
                    if attempt == self.max_retries:
                        raise PolicyError(f"{self.name}: gave up after {attempt + 1} attempts: {exc}") from exc
                    self.usage.retries += 1
                    await asyncio.sleep(min(30.0, self.backoff * 2**attempt) * (0.5 + self._jitter.random()))
                except errors.APIStatusError as exc:
                    raise PolicyError(f"{self.name}: the endpoint refused the request ({exc.status_code}): {exc}") from exc
        return self._generation(response, time.perf_counter() - start)

    def _generation(self, response: Any, latency: float) -> Generation:
        choice = response.choices[0]
        text = choice.message.content or ""
        calls = getattr(choice.message, "tool_calls", None) or []
        if calls:
            call = calls[0].function
            try:
                arguments = json.loads(call.arguments or "{}")
            except ValueError:
                arguments = call.arguments
            text = json.dumps({"name": call.name, "arguments": arguments})
        usage = response.usage
        prompt, completion = (usage.prompt_tokens, usage.completion_tokens) if usage else (0, 0)
        self.usage.requests += 1
        self.usage.prompt_tokens += prompt
        self.usage.completion_tokens += completion
        cost = (prompt * self.price_in + completion * self.price_out) / 1e6
        self.usage.cost_usd += cost
        return Generation(text=text, finish_reason=choice.finish_reason or "stop", prompt_tokens=prompt,
                          completion_tokens=completion, latency_s=latency, cost_usd=cost)


def make_openai_policy(model: str | None = None, **kwargs: Any) -> OpenAIPolicy:
    """The ``openai:MODEL`` entry point of :func:`agentgym.make_policy`."""
    return OpenAIPolicy(model or "", **kwargs)
