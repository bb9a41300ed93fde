"""`agentgym serve` (a real HTTP server in a real subprocess, serving a tiny hf model) and the
openai policy talking to it: same answers as the model itself, batching, usage, tool calls,
retries with backoff on a real server that fails, clear errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

pytest.importorskip("openai")
pytest.importorskip("transformers")

import agentgym  # noqa: E402
from agentgym import PolicyError  # noqa: E402
from agentgym.policy import Request, SamplingParams  # noqa: E402
from agentgym.rollout import RunSettings, run_episode  # noqa: E402
from agentgym.server import PolicyServer  # noqa: E402
from policies.hf import HFPolicy  # noqa: E402
from policies.tiny import offline_tokenizer, tiny_config  # noqa: E402

AGENTGYM = str(Path(sys.executable).with_name("agentgym"))


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    tokenizer = offline_tokenizer(["You are in the hall.", "go north", "take red key"] * 20, "chatml")
    path = tmp_path_factory.mktemp("ckpt") / "tiny"
    HFPolicy.from_config(tiny_config(tokenizer), tokenizer, device="cpu").save(path)
    return path


@pytest.fixture(scope="module")
def served(checkpoint):
    """`agentgym serve hf:CHECKPOINT --port 0` as a subprocess; yields its base URL."""
    process = subprocess.Popen([AGENTGYM, "serve", f"hf:{checkpoint}", "--port", "0", "--model-name", "tiny",
                                "--device", "cpu"], stderr=subprocess.PIPE, text=True, env={**os.environ})
    seen, match = [], None
    for line in process.stderr:  # loading messages first, then the address
        seen.append(line)
        match = re.search(r"http://127\.0\.0\.1:(\d+)/v1", line)
        if match:
            break
    assert match, "".join(seen)
    threading.Thread(target=lambda: [None for _ in process.stderr], daemon=True).start()  # keep the pipe drained
    yield f"http://127.0.0.1:{match.group(1)}/v1"
    process.terminate()
    process.wait(timeout=30)


def ask(text: str, seed: int, **kw) -> Request:
    return Request(messages=[{"role": "user", "content": text}], sampling=SamplingParams(max_new_tokens=8, seed=seed, **kw))


def test_the_openai_policy_gets_the_served_models_own_answers(served, checkpoint):
    policy = agentgym.make_policy("openai:tiny", base_url=served, concurrency=4)
    requests = [ask(f"You are in the hall. {i}", seed=i) for i in range(6)]
    answers = policy.generate(requests)
    local = HFPolicy(str(checkpoint), device="cpu").generate(requests)
    assert [a.text for a in answers] == [g.text for g in local]  # seeds travel: same samples as the model itself
    assert [a.completion_tokens for a in answers] == [g.completion_tokens for g in local]
    assert policy.usage.requests == 6 and policy.usage.prompt_tokens == sum(g.prompt_tokens for g in local)
    assert policy.usage.retries == 0 and answers[0].token_ids is None  # API policies give text and usage


def test_an_episode_through_the_server(served):
    policy = agentgym.make_policy("openai:tiny", base_url=served, price_in=1.0, price_out=2.0)
    episode = run_episode(agentgym.make("toy/keys-v0", max_episode_steps=3), policy, env_id="toy/keys-v0", seed=0,
                          settings=RunSettings(action_format="last_line", sampling=SamplingParams(max_new_tokens=6)))
    assert episode.num_turns == 3 and episode.truncated
    usage = policy.usage
    assert usage.requests == 3 and usage.cost_usd == pytest.approx((usage.prompt_tokens + 2 * usage.completion_tokens) / 1e6)


def test_the_server_refuses_bad_requests_with_openai_errors(served):
    import httpx

    bad = [{"messages": []}, {"messages": [{"role": "user"}]}, {"messages": [{"role": "user", "content": "x"}], "n": 2},
           {"messages": [{"role": "user", "content": "x"}], "temperature": "hot"}]
    for body in bad:
        response = httpx.post(f"{served}/chat/completions", json=body, timeout=30)
        assert response.status_code == 400 and response.json()["error"]["message"]
    assert httpx.get(f"{served}/models", timeout=30).json()["data"][0]["id"] == "tiny"
    policy = agentgym.make_policy("openai:tiny", base_url=served, max_retries=3)
    refused, fine = policy.generate([ask("x", seed=0, temperature=-1.0), ask("x", seed=0)])
    assert "refused" in refused.error and refused.finish_reason == "error" and refused.text == ""
    assert fine.error is None and fine.completion_tokens > 0  # one failed request does not fail its batch
    assert policy.usage.retries == 0  # a 400 is not retried


class Flaky(BaseHTTPRequestHandler):
    """Answers 503 (then 429) before it answers like OpenAI."""

    failures = ["503", "429"]
    seen = 0

    def log_message(self, *args):
        pass

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        type(self).seen += 1
        if type(self).failures:
            status = int(type(self).failures.pop(0))
            body = {"error": {"message": "try later", "type": "server_error"}}
        else:
            status = 200
            body = {"id": "x", "object": "chat.completion", "created": 0, "model": "m",
                    "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
                        "role": "assistant", "content": None,
                        "tool_calls": [{"id": "c", "type": "function", "function": {"name": "act", "arguments": "{\"action\": \"go north\"}"}}]}}],
                    "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def test_rate_limits_and_server_errors_are_retried_with_backoff_and_tool_calls_parsed():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Flaky)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
        policy = agentgym.make_policy("openai:m", base_url=url, backoff=0.01, tools=True)
        [answer] = policy.generate([ask("where?", seed=0)])
        assert Flaky.seen == 3 and policy.usage.retries == 2
        from agentgym.actions import extract_action

        assert extract_action(answer.text, "json").action == "go north"
        Flaky.failures = ["500"] * 5
        impatient = agentgym.make_policy("openai:m", base_url=url, backoff=0.01, max_retries=1)
        [failed] = impatient.generate([ask("where?", seed=0)])
        assert "gave up after 2 attempts" in failed.error
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_concurrent_clients_share_batches_in_process(checkpoint):
    """PolicyServer batches requests that arrive together into one generate call."""

    class Counting(HFPolicy):
        batches: list[int] = []

        def generate(self, requests):
            type(self).batches.append(len(requests))
            return super().generate(requests)

    server = PolicyServer(Counting(str(checkpoint), device="cpu"), "tiny", port=0).start()
    try:
        policy = agentgym.make_policy("openai:tiny", base_url=f"http://127.0.0.1:{server.port}/v1", concurrency=8)
        policy.generate([ask("hall", seed=i) for i in range(8)])
        assert sum(Counting.batches) == 8 and max(Counting.batches) > 1
    finally:
        server.shutdown()


def test_the_openai_policy_needs_a_model_and_a_key(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(PolicyError, match="OPENAI_API_KEY"):
        agentgym.make_policy("openai:gpt-x")
    with pytest.raises(PolicyError, match="model name"):
        agentgym.make_policy("openai:", base_url="http://127.0.0.1:9/v1")


class WrongKey(BaseHTTPRequestHandler):
    """Answers every request like OpenAI does for a bad key."""

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802
        data = json.dumps({"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def test_check_fails_early_on_a_dead_endpoint_a_wrong_key_or_an_unknown_model(served):
    agentgym.make_policy("openai:tiny", base_url=served).check()  # served and listed: no error
    with pytest.raises(PolicyError, match="does not serve the model 'gpt-x'.*tiny"):
        agentgym.make_policy("openai:gpt-x", base_url=served).check()
    with pytest.raises(PolicyError, match="cannot reach"):
        agentgym.make_policy("openai:tiny", base_url="http://127.0.0.1:9/v1", timeout=5).check()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), WrongKey)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        with pytest.raises(PolicyError, match="refused the API key"):
            agentgym.make_policy("openai:m", base_url=f"http://127.0.0.1:{httpd.server_address[1]}/v1", api_key="sk-wrong").check()
    finally:
        httpd.shutdown()
        httpd.server_close()
