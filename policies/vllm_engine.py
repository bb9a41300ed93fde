"""``vllm:PATH``: vLLM's offline engine as a policy (CUDA only), with the ``hf`` policy's contract.

:class:`VLLMPolicy` answers the same :class:`~agentgym.policy.Request` objects as
:class:`policies.hf.HFPolicy` and fills the same :class:`~agentgym.policy.Generation` fields, so
the rollout engine's token-exact contexts work unchanged:

* the prompt is ``request.prompt_token_ids`` when given (passed to vLLM as token ids: nothing is
  re-tokenised), else the chat template's rendering of ``request.messages``;
* every request carries its own sampling seed (``sampling.seed``, else one drawn from the
  policy's ``seed``), so an answer does not depend on the rest of the batch;
* ``logprobs[i]`` is the log-probability of the i-th generated token under
  ``log_softmax(logits / temperature)`` (greedy: temperature 1): the engine runs with
  ``logprobs_mode = "processed_logprobs"`` (its final sampling distribution; that meaning
  dates from vLLM 0.10.2, hence the extra's floor). With ``top_p < 1`` vLLM's processed
  log-probs are those of the renormalised nucleus, where ``hf`` reports them before top-p; at
  ``top_p = 1`` (agentgym's RL default) they are the same quantity. Two engines never agree bit
  for bit (kernels, bfloat16), which is why the trainer recomputes the update's old log-probs
  with its own model when it samples through vLLM;
* generation stops at an end-of-sequence token (kept in ``token_ids``), at a stop string (kept
  in the text), or at ``max_new_tokens`` (``finish_reason="length"``); ``text`` is the
  tokenizer's decoding of ``token_ids`` without special tokens, as for ``hf``.

Weights from a trainer: :meth:`VLLMPolicy.load_weights` takes a ``{name: tensor}`` state dict
under the checkpoint's key names (a LoRA-trained model's adapters merged first, see
:func:`agentgym.train.lora.merged_state_dict`). The tensors are written to one safetensors file
and the engine's worker loads them through :class:`WeightReceiver`, a worker extension
(vLLM's ``worker_extension_cls``) whose method runs in the worker process via
``LLM.collective_rpc``; passing a path rather than tensors works whether or not vLLM runs its
engine in a separate process (its RPC serialises arguments with msgpack, which does not carry
tensors). The file goes to ``/dev/shm`` when it has room for it, else to the temporary
directory. The prefix cache is reset afterwards (cached keys and values were computed with the
old weights).

The calls used were checked against the source of vLLM 0.34.0 (the newest on PyPI on
2026-12-05); this module has not run on a GPU yet (``make test-gpu``).
"""

from __future__ import annotations

import contextlib
import gc
import inspect
import os
import random
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from agentgym.deps import require
from agentgym.errors import PolicyError
from agentgym.policy import Generation, Request
from agentgym.rollout.tokens import generation_prompt_ids, request_prompt_ids

WEIGHTS_FILE = "agentgym-weights.safetensors"


class WeightReceiver:
    """Mixed into vLLM's GPU worker (``worker_extension_cls``): loads weights from a file.

    vLLM adds this class's methods to its worker class; ``LLM.collective_rpc`` calls them by name
    in every worker process, where ``self.model_runner.model`` is the engine's model.
    """

    def agentgym_load_weights(self, path: str) -> int:
        """Load the safetensors file at ``path`` into the model; returns how many tensors it held.

        Recent vLLM (0.34 checked) has the worker's own in-place reload, which also redoes the
        processing that follows a load; earlier versions get the model's ``load_weights`` under
        the engine's config."""
        from safetensors.torch import load_file

        weights = list(load_file(path, device="cpu").items())
        reload = getattr(self, "reload_weights", None)
        if callable(reload) and "weights_iterator" in inspect.signature(reload).parameters:
            reload(weights_iterator=weights)
            return len(weights)
        try:
            from vllm.config import set_current_vllm_config
            context = set_current_vllm_config(self.vllm_config)  # type: ignore[attr-defined]
        except (ImportError, AttributeError):
            context = contextlib.nullcontext()
        with context:
            self.model_runner.model.load_weights(weights=weights)  # type: ignore[attr-defined]
        return len(weights)


class VLLMPolicy:
    """A local checkpoint served by ``vllm.LLM`` (one CUDA GPU by default).

    Args:
        path: a local checkpoint directory with its tokenizer (no model hub is used).
        dtype: the engine's dtype (``"auto"``: the checkpoint's; ``"bfloat16"``, ``"float16"``).
        seed: seeds requests that carry no sampling seed, and the engine.
        gpu_memory_utilization: the share of the GPU's memory vLLM may take (weights and KV
            cache); leave room for a trainer on the same GPU.
        max_model_len: the longest prompt + answer in tokens (default: the model's).
        enforce_eager: skip CUDA graph capture (faster start, slower decoding).
        **engine_kwargs: passed on to ``vllm.LLM`` (``tensor_parallel_size``, ``enable_prefix_caching``, …).
    """

    def __init__(self, path: str, *, dtype: str = "auto", seed: int = 0, gpu_memory_utilization: float = 0.5,
                 max_model_len: int | None = None, enforce_eager: bool = False, **engine_kwargs: Any) -> None:
        if not Path(path).is_dir():
            raise ValueError(f"vllm policy: {path!r} is not a checkpoint directory (no model hub is used)")
        torch = require("torch", extra="vllm", what="the vllm policy")
        if not torch.cuda.is_available():
            raise PolicyError("the vllm policy needs a CUDA GPU (none is visible); on a CPU use hf:PATH")
        vllm = require("vllm", extra="vllm", what="the vllm policy")
        transformers = require("transformers", extra="vllm", what="the vllm policy")
        self.tokenizer = transformers.AutoTokenizer.from_pretrained(path)
        if getattr(self.tokenizer, "chat_template", None) is None:
            raise ValueError("vllm policy: the tokenizer has no chat template (set tokenizer.chat_template)")
        self._vllm = vllm
        self.llm = vllm.LLM(model=str(path), tokenizer=str(path), dtype=dtype, seed=seed,
                            gpu_memory_utilization=gpu_memory_utilization, max_model_len=max_model_len,
                            enforce_eager=enforce_eager, logprobs_mode="processed_logprobs",
                            worker_extension_cls=f"{__name__}.WeightReceiver", **engine_kwargs)
        self.name = f"vllm:{path}"
        self.pad_id = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else self.tokenizer.eos_token_id
        self._seeds = random.Random(seed)

    def render_prompt(self, messages: list[dict[str, str]]) -> list[int]:
        """The chat template's tokens for ``messages``, ending with the generation prompt."""
        return generation_prompt_ids(self.tokenizer, messages)

    def generate(self, requests: Sequence[Request]) -> list[Generation]:
        """Sample one answer per request, all in one engine call."""
        if not requests:
            return []
        start = time.perf_counter()
        prompts = [request_prompt_ids(self.tokenizer, r) for r in requests]
        asked = [i for i, r in enumerate(requests) if r.sampling.max_new_tokens > 0]  # vLLM refuses max_tokens = 0
        outputs = self.llm.generate([{"prompt_token_ids": prompts[i]} for i in asked],
                                    [self._sampling_params(requests[i].sampling) for i in asked], use_tqdm=False) if asked else []
        completions = {i: output.outputs[0] for i, output in zip(asked, outputs)}
        latency = time.perf_counter() - start
        generations = []
        for i, prompt in enumerate(prompts):
            completion = completions.get(i)
            tokens = list(completion.token_ids) if completion is not None else []
            generations.append(Generation(
                text=self.tokenizer.decode(tokens, skip_special_tokens=True),
                token_ids=tokens,
                logprobs=sampled_logprobs(completion.logprobs, tokens) if completion is not None else [],
                finish_reason="stop" if completion is not None and completion.finish_reason == "stop" else "length",
                prompt_tokens=len(prompt),
                completion_tokens=len(tokens),
                latency_s=latency,
            ))
        return generations

    def _sampling_params(self, sampling: Any) -> Any:
        greedy = sampling.temperature <= 0
        return self._vllm.SamplingParams(
            temperature=0.0 if greedy else sampling.temperature,
            top_p=1.0 if greedy else sampling.top_p,
            max_tokens=sampling.max_new_tokens,
            stop=list(sampling.stop) or None,
            include_stop_str_in_output=True,
            seed=sampling.seed if sampling.seed is not None else self._seeds.randrange(2**62),
            logprobs=0,  # the sampled token's log-prob only
            skip_special_tokens=True,
        )

    def load_weights(self, state_dict: Mapping[str, Any]) -> int:
        """Put the trainer's weights (``{name: tensor}``, the checkpoint's key names) into the
        engine; returns how many tensors were loaded."""
        from safetensors.torch import save_file

        tensors = {name: tensor.detach().to("cpu").contiguous() for name, tensor in state_dict.items()}
        if not tensors:
            raise ValueError("load_weights: the state dict is empty")
        with tempfile.TemporaryDirectory(prefix="agentgym-vllm-", dir=_scratch_dir(tensors)) as scratch:
            path = os.path.join(scratch, WEIGHTS_FILE)
            save_file(tensors, path)
            counts = self.llm.collective_rpc("agentgym_load_weights", args=(path,))
        self.llm.reset_prefix_cache()
        return int(counts[0]) if counts else 0

    def close(self) -> None:
        """Release the engine (and its GPU memory)."""
        engine = getattr(self, "llm", None)
        self.llm = None
        if engine is not None:
            core = getattr(getattr(engine, "llm_engine", None), "engine_core", None)  # the engine process's client
            shutdown = getattr(core, "shutdown", None)
            if callable(shutdown):
                shutdown()
            del engine
            gc.collect()
            torch = require("torch", extra="vllm", what="the vllm policy")
            torch.cuda.empty_cache()


def _scratch_dir(tensors: Mapping[str, Any]) -> str | None:
    """``/dev/shm`` (memory, no disk write) when it is writable with twice the tensors' size
    free (a container's is often 64 MB); None (the temporary directory) otherwise."""
    size = sum(t.numel() * t.element_size() for t in tensors.values())
    try:
        if os.access("/dev/shm", os.W_OK) and shutil.disk_usage("/dev/shm").free > 2 * size:
            return "/dev/shm"
    except OSError:
        pass
    return None


def sampled_logprobs(logprobs: Any, tokens: Sequence[int]) -> list[float]:
    """The log-prob of each sampled token from a vLLM completion's ``logprobs``: one entry per
    position, either a ``{token_id: Logprob}`` dict (``.logprob``) or, in vLLM's flat form, an
    object indexable the same way."""
    if logprobs is None:
        raise PolicyError("vllm returned no log-probs (SamplingParams.logprobs was not honoured)")
    values = []
    for position, token in enumerate(tokens):
        entry = logprobs[position].get(token)
        if entry is None:
            raise PolicyError(f"vllm's log-probs at position {position} do not hold the sampled token {token}")
        values.append(float(getattr(entry, "logprob", entry)))
    return values


def make_vllm_policy(path: str | None = None, **kwargs: Any) -> VLLMPolicy:
    """The ``vllm:PATH`` entry point of :func:`agentgym.make_policy`."""
    if not path:
        raise ValueError("the vllm policy needs a checkpoint directory: vllm:/path/to/checkpoint")
    return VLLMPolicy(path, **kwargs)
