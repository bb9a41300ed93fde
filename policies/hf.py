"""``hf:PATH``: a transformers causal LM as a policy — batched sampling with token ids and log-probs.

The sampling loop is agentgym's own (a KV-cached forward per new token, left-padded batch), so
every request gets exactly what the rollout needs:

* the prompt is ``request.prompt_token_ids`` when given (token-exact rollouts), else the chat
  template's rendering of ``request.messages`` with the generation prompt;
* each request samples with its own ``torch.Generator`` seeded from ``sampling.seed``, so an
  answer does not depend on what else is in the batch;
* ``logprobs[i]`` is the log-probability of the i-th generated token under the distribution it
  was sampled from before top-p: ``log_softmax(logits / temperature)`` (greedy: temperature 1).
  :meth:`HFPolicy.sequence_logprobs` computes the same quantity for given sequences, so a
  trainer's ratio is exactly 1 before its first update;
* generation stops at an end-of-sequence token (kept: the model learns to end its turn), at a
  stop string (kept in the text), or at ``max_new_tokens`` (``finish_reason="length"``).

``HFPolicy.from_config`` builds a randomly initialised model from a transformers config and a
tokenizer made offline (tests, the CPU demo: no model hub is reachable here); loading a real
checkpoint is ``make_policy("hf:/path/to/checkpoint")``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agentgym.deps import require
from agentgym.policy import Generation, Request, SamplingParams
from agentgym.rollout.tokens import generation_prompt_ids, request_prompt_ids

torch = require("torch", extra="hf", what="the hf policy")
transformers = require("transformers", extra="hf", what="the hf policy")


class HFPolicy:
    """A causal LM and its tokenizer (with a chat template).

    Args:
        path: a local checkpoint directory (``from_pretrained``); or pass ``model`` and ``tokenizer``.
        device: ``"cpu"``, ``"cuda"``, … (default: CUDA when available).
        dtype: torch dtype name for loading (``"bfloat16"``); default the checkpoint's.
        seed: seeds requests that carry no sampling seed.
    """

    def __init__(self, path: str | None = None, *, model: Any = None, tokenizer: Any = None, device: str | None = None,
                 dtype: str | None = None, seed: int = 0) -> None:
        if path is not None:
            if not Path(path).is_dir():
                raise ValueError(f"hf policy: {path!r} is not a checkpoint directory (no model hub is used)")
            kwargs = {"dtype": getattr(torch, dtype)} if dtype else {}
            model = transformers.AutoModelForCausalLM.from_pretrained(path, **kwargs)
            tokenizer = transformers.AutoTokenizer.from_pretrained(path)
        if model is None or tokenizer is None:
            raise ValueError("hf policy needs a checkpoint path, or both model= and tokenizer=")
        if getattr(tokenizer, "chat_template", None) is None:
            raise ValueError("hf policy: the tokenizer has no chat template (set tokenizer.chat_template)")
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.model = model.to(self.device).eval()
        self.tokenizer = tokenizer
        self.name = f"hf:{path}" if path else f"hf:{type(model).__name__}"
        self._seeds = torch.Generator().manual_seed(seed)
        self.eos_ids = _eos_ids(model, tokenizer)
        self._cache_name = _cache_keyword(self.model)
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else next(iter(self.eos_ids))

    @classmethod
    def from_config(cls, config: Any, tokenizer: Any, *, seed: int = 0, **kwargs: Any) -> HFPolicy:
        """A randomly initialised model of ``config`` (``torch.manual_seed(seed)`` before init)."""
        torch.manual_seed(seed)
        model = transformers.AutoModelForCausalLM.from_config(config)
        return cls(model=model, tokenizer=tokenizer, seed=seed, **kwargs)

    def save(self, path: str | Path) -> None:
        """Write model and tokenizer; ``HFPolicy(path)`` loads them back (no progress bar: a
        trainer saves often)."""
        bars = transformers.utils.logging.is_progress_bar_enabled()
        transformers.utils.logging.disable_progress_bar()
        try:
            self.model.save_pretrained(path)
            self.tokenizer.save_pretrained(path)
        finally:
            if bars:
                transformers.utils.logging.enable_progress_bar()

    def render_prompt(self, messages: list[dict[str, str]]) -> list[int]:
        """The chat template's tokens for ``messages``, ending with the generation prompt."""
        return generation_prompt_ids(self.tokenizer, messages)

    @torch.no_grad()
    def generate(self, requests: Sequence[Request]) -> list[Generation]:
        """Sample one answer per request, as one left-padded batch."""
        if not requests:
            return []
        start = time.perf_counter()
        prompts = [request_prompt_ids(self.tokenizer, r) for r in requests]
        settings = [r.sampling for r in requests]
        generators = [torch.Generator(device="cpu").manual_seed(s.seed if s.seed is not None else self._next_seed())
                      for s in settings]
        width = max(map(len, prompts))
        ids = torch.full((len(prompts), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(prompts), width), dtype=torch.long)
        for row, prompt in enumerate(prompts):
            ids[row, width - len(prompt):] = torch.tensor(prompt, dtype=torch.long)
            mask[row, width - len(prompt):] = 1
        ids, mask = ids.to(self.device), mask.to(self.device)
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        out_ids: list[list[int]] = [[] for _ in prompts]
        out_logprobs: list[list[float]] = [[] for _ in prompts]
        finish = ["length"] * len(prompts)
        done = [s.max_new_tokens <= 0 for s in settings]
        past, step_ids, step_positions = None, ids, positions
        for _ in range(max(s.max_new_tokens for s in settings)):
            if all(done):
                break
            output = self.model(input_ids=step_ids, attention_mask=mask, position_ids=step_positions,
                                use_cache=True, **{self._cache_name: past})
            past = getattr(output, self._cache_name)
            logits = output.logits[:, -1, :].float().cpu()
            temperatures = torch.tensor([s.temperature if s.temperature > 0 else 1.0 for s in settings]).unsqueeze(-1)
            logp = torch.log_softmax(logits / temperatures, dim=-1)
            chosen = []
            for row, s in enumerate(settings):
                if done[row]:
                    chosen.append(self.pad_id)
                    continue
                token = _sample(logp[row], s, generators[row])
                out_ids[row].append(token)
                out_logprobs[row].append(float(logp[row, token]))
                chosen.append(token)
                if token in self.eos_ids:
                    done[row], finish[row] = True, "stop"
                elif s.stop and any(stop in self.tokenizer.decode(out_ids[row]) for stop in s.stop):
                    done[row], finish[row] = True, "stop"
                elif len(out_ids[row]) >= s.max_new_tokens:
                    done[row] = True
            step_ids = torch.tensor(chosen, dtype=torch.long, device=self.device).unsqueeze(-1)
            step_positions = positions[:, -1:] + 1
            positions = torch.cat([positions, step_positions], dim=-1)
            mask = torch.cat([mask, torch.ones_like(step_ids)], dim=-1)
        latency = time.perf_counter() - start
        return [
            Generation(
                text=self.tokenizer.decode(tokens, skip_special_tokens=True),
                token_ids=tokens,
                logprobs=logprobs,
                finish_reason=reason,
                prompt_tokens=len(prompt),
                completion_tokens=len(tokens),
                latency_s=latency,
            )
            for tokens, logprobs, reason, prompt in zip(out_ids, out_logprobs, finish, prompts)
        ]

    def sequence_logprobs(self, sequences: Sequence[Sequence[int]], temperature: float = 1.0,
                          grad: bool = False) -> list[Any]:
        """Per-token log-probabilities of given sequences: entry i is ``log p(token_i | tokens_<i)``
        (entry 0 is 0). Returns float tensors (with grad if ``grad``) on the policy's device."""
        width = max(map(len, sequences))
        ids = torch.full((len(sequences), width), self.pad_id, dtype=torch.long, device=self.device)
        mask = torch.zeros_like(ids)
        for row, seq in enumerate(sequences):
            ids[row, :len(seq)] = torch.tensor(list(seq), dtype=torch.long)
            mask[row, :len(seq)] = 1
        with torch.set_grad_enabled(grad):
            logits = self.model(input_ids=ids, attention_mask=mask).logits.float()
            logp = torch.log_softmax(logits[:, :-1] / (temperature or 1.0), dim=-1)
            picked = logp.gather(-1, ids[:, 1:].unsqueeze(-1)).squeeze(-1)
            picked = torch.cat([torch.zeros_like(picked[:, :1]), picked], dim=-1)
        return [picked[row, :len(seq)] for row, seq in enumerate(sequences)]

    def _next_seed(self) -> int:
        return int(torch.randint(0, 2**62, (1,), generator=self._seeds).item())


def _sample(logp: Any, sampling: SamplingParams, generator: Any) -> int:
    """One token from the log-probabilities ``log_softmax(logits / temperature)`` (greedy at
    temperature 0; top-p keeps the smallest set of most likely tokens reaching ``top_p``)."""
    if sampling.temperature <= 0:
        return int(torch.argmax(logp))
    probs = logp.exp()
    if sampling.top_p < 1.0:
        ordered, order = torch.sort(probs, descending=True)
        keep = ordered.cumsum(-1) - ordered < sampling.top_p
        probs = torch.zeros_like(probs).scatter(0, order[keep], ordered[keep])
    return int(torch.multinomial(probs, 1, generator=generator))


def _cache_keyword(model: Any) -> str:
    """The name a model's forward takes (and returns) its KV cache under: ``cache`` in newer
    transformers (which deprecates ``past_key_values``), ``past_key_values`` before."""
    import inspect

    forward = getattr(model, "forward", None)
    try:
        return "cache" if "cache" in inspect.signature(forward).parameters else "past_key_values"
    except (TypeError, ValueError):
        return "past_key_values"


def _eos_ids(model: Any, tokenizer: Any) -> set[int]:
    ids = set()
    for source in (getattr(model, "generation_config", None), tokenizer):
        value = getattr(source, "eos_token_id", None)
        if isinstance(value, int):
            ids.add(value)
        elif isinstance(value, (list, tuple)):
            ids.update(int(v) for v in value)
    if not ids:
        raise ValueError("hf policy: neither the model nor the tokenizer names an end-of-sequence token")
    return ids


def make_hf_policy(path: str | None = None, **kwargs: Any) -> HFPolicy:
    """The ``hf:PATH`` entry point of :func:`agentgym.make_policy`."""
    if not path:
        raise ValueError("the hf policy needs a checkpoint directory: hf:/path/to/checkpoint")
    return HFPolicy(path, **kwargs)
