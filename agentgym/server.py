"""An OpenAI-compatible chat server for any agentgym policy (``agentgym serve``).

``POST /v1/chat/completions`` takes OpenAI's request (``messages``, ``temperature``, ``top_p``,
``max_tokens`` / ``max_completion_tokens``, ``stop``, ``seed``; ``n`` must be 1; no
streaming) and answers with OpenAI's response object, usage included; ``GET /v1/models``
lists the one model. Requests that arrive together are answered by one ``policy.generate``
batch: a single thread owns the policy and takes whatever is queued (up to ``max_batch``)
each time it is free, so concurrent clients share batches and the policy is never called
from two threads. Bad requests get OpenAI-style errors (400 with ``error.message``).

Only the standard library is used (``http.server``); it is meant for local use (CPU users
without vLLM, tests, the OpenAI policy's own tests), not for the open internet.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import uuid
from concurrent.futures import Future
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from agentgym.policy import Policy, Request, SamplingParams

log = logging.getLogger(__name__)


class BadRequest(ValueError):
    """A request the server refuses (HTTP 400)."""


def parse_request(body: dict[str, Any]) -> Request:
    """OpenAI's chat-completions request body as an agentgym :class:`Request`."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequest("'messages' must be a non-empty list")
    for message in messages:
        if not isinstance(message, dict) or not isinstance(message.get("role"), str) or not isinstance(message.get("content"), str):
            raise BadRequest("each message needs a string 'role' and a string 'content'")
    if body.get("n", 1) != 1:
        raise BadRequest("only n=1 is supported")
    if body.get("stream"):
        raise BadRequest("streaming is not supported")
    stop = body.get("stop") or ()
    stop = (stop,) if isinstance(stop, str) else tuple(stop)
    try:
        sampling = SamplingParams(
            temperature=float(body.get("temperature", 1.0)),
            top_p=float(body.get("top_p", 1.0)),
            max_new_tokens=int(body.get("max_completion_tokens") or body.get("max_tokens") or 256),
            stop=stop,
            seed=None if body.get("seed") is None else int(body["seed"]),
        )
    except (TypeError, ValueError) as exc:
        raise BadRequest(f"bad sampling parameter: {exc}") from None
    if sampling.temperature < 0 or not 0 < sampling.top_p <= 1 or sampling.max_new_tokens < 0:
        raise BadRequest("temperature must be >= 0, top_p in (0, 1], max_tokens >= 0")
    return Request(messages=[{"role": m["role"], "content": m["content"]} for m in messages], sampling=sampling)


class PolicyServer:
    """Serves ``policy`` over HTTP on ``host:port`` (port 0 picks a free one: see :attr:`port`)."""

    def __init__(self, policy: Policy, model: str, host: str = "127.0.0.1", port: int = 8000, max_batch: int = 32) -> None:
        self.policy, self.model, self.max_batch = policy, model, max_batch
        self._queue: queue.Queue[tuple[Request, Future]] = queue.Queue()
        self._stop = threading.Event()
        self._batcher = threading.Thread(target=self._serve_batches, name="agentgym-batcher", daemon=True)
        self.httpd = ThreadingHTTPServer((host, port), _handler(self))
        self.httpd.daemon_threads = True

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    def serve_forever(self) -> None:
        self._batcher.start()
        try:
            self.httpd.serve_forever()
        finally:
            self._stop.set()

    def start(self) -> PolicyServer:
        """Serve from a background thread (tests, notebooks); :meth:`shutdown` stops it."""
        threading.Thread(target=self.serve_forever, name="agentgym-http", daemon=True).start()
        return self

    def shutdown(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._stop.set()

    def complete(self, request: Request) -> dict[str, Any]:
        """Answer one request (through the batcher) as an OpenAI response object."""
        future: Future = Future()
        self._queue.put((request, future))
        generation = future.result()
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": generation.text},
                         "finish_reason": generation.finish_reason, "logprobs": None}],
            "usage": {"prompt_tokens": generation.prompt_tokens, "completion_tokens": generation.completion_tokens,
                      "total_tokens": generation.prompt_tokens + generation.completion_tokens},
        }

    def _serve_batches(self) -> None:
        while not self._stop.is_set():
            try:
                batch = [self._queue.get(timeout=0.1)]
            except queue.Empty:
                continue
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                generations = self.policy.generate([request for request, _ in batch])
                for (_, future), generation in zip(batch, generations):
                    future.set_result(generation)
            except Exception as exc:  # noqa: BLE001 - every waiting client gets the error
                log.exception("the policy failed on a batch of %d", len(batch))
                for _, future in batch:
                    future.set_exception(exc)


def _handler(server: PolicyServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
            log.debug("%s " + format, self.address_string(), *args)

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _error(self, status: int, message: str, kind: str) -> None:
            self._send(status, {"error": {"message": message, "type": kind, "param": None, "code": None}})

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            if self.path.rstrip("/") == "/v1/models":
                self._send(200, {"object": "list", "data": [{"id": server.model, "object": "model", "owned_by": "agentgym"}]})
            else:
                self._error(404, f"no route {self.path}", "not_found_error")

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._error(404, f"no route {self.path}", "not_found_error")
                return
            try:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"null")
                if not isinstance(body, dict):
                    raise BadRequest("the body must be a JSON object")
                request = parse_request(body)
            except (BadRequest, ValueError) as exc:
                self._error(400, str(exc), "invalid_request_error")
                return
            try:
                self._send(200, server.complete(request))
            except Exception as exc:  # noqa: BLE001 - the client gets a 500 with the reason
                self._error(500, f"{type(exc).__name__}: {exc}", "server_error")

    return Handler
