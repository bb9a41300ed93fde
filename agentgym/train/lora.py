"""LoRA adapters on the policy model (``model.lora_rank`` > 0), through ``peft``.

LoRA (Hu et al. 2021, eq. 3) adds a low-rank term to each targeted weight,
``W x + (alpha / r) B A x``, with ``B = 0`` at the start (so the adapted model is the base model
until it trains). Only ``A`` and ``B`` train, in SFT and RL alike; the base weights are frozen.

What a checkpoint holds (the decision, and why):

* ``model/``: the adapter *merged* into the base (``W + (alpha / r) B A``), written as a plain
  transformers checkpoint with the tokenizer. The final model of a run is therefore used like
  any other: ``HFPolicy(path)``, ``agentgym eval hf:PATH``, vLLM — none of them needs to know
  about adapters, or to have ``peft`` installed.
* ``adapter/``: the adapter alone (peft's ``adapter_config.json`` + ``adapter_model.safetensors``),
  which is what a resumed run loads. Resume cannot start from the merged weights: merging rounds,
  and training must go on with the low-rank term separate from the frozen base. A resumed run
  loads the base again and puts ``adapter/`` on it, so it continues exactly.

The base is ``model.path`` when the run starts from a checkpoint (not copied: it must stay
unchanged while the run may be resumed), else the small model built at the start, saved once as
``runs/NAME/base/``.

The KL reference (``rl.kl_coef`` > 0) is the policy as RL found it. With no SFT before RL that is
the base model, so the reference is the policy model with its adapter switched off
(:class:`AdapterOff`, peft's ``disable_adapter()``): no second copy of the model. After SFT the
adapter has already trained, and the reference is the merged post-SFT model, kept in
``reference/`` as without LoRA.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import torch

from agentgym.deps import require
from agentgym.errors import ConfigError
from agentgym.train.config import ModelSection

BASE_DIR = "base"  # inside the run directory: the base model of a LoRA run built from scratch
ADAPTER_DIR = "adapter"  # inside a checkpoint: the adapter alone, for resuming


def _peft() -> Any:
    return require("peft", extra="train", what="LoRA (model.lora_rank > 0)")


def is_lora(model: Any) -> bool:
    """Whether ``model`` is a peft model (without importing peft when nothing did)."""
    peft = sys.modules.get("peft")
    return peft is not None and isinstance(model, peft.PeftModel)


def add_adapter(policy: Any, model: ModelSection) -> None:
    """Wrap ``policy.model`` in a fresh LoRA adapter of ``model``'s rank, alpha, dropout and
    targets; from now on only the adapter's weights require gradients."""
    peft = _peft()
    targets: Any = "all-linear" if list(model.lora_target_modules) == ["all-linear"] else list(model.lora_target_modules)
    config = peft.LoraConfig(r=model.lora_rank, lora_alpha=model.lora_alpha, lora_dropout=model.lora_dropout,
                             target_modules=targets, task_type="CAUSAL_LM")
    try:
        policy.model = peft.get_peft_model(policy.model, config).eval()
    except ValueError as exc:
        names = sorted({name.rsplit(".", 1)[-1] for name, module in policy.model.named_modules()
                        if isinstance(module, torch.nn.Linear)})
        raise ConfigError(f"model.lora_target_modules {model.lora_target_modules}: {exc}. The model's linear layers "
                          f"are named {names} (or use [\"all-linear\"])") from None


def load_adapter(policy: Any, adapter_dir: str | Path) -> None:
    """Put the saved adapter at ``adapter_dir`` on ``policy.model`` (the base), trainable."""
    peft = _peft()
    policy.model = peft.PeftModel.from_pretrained(policy.model, str(adapter_dir), is_trainable=True).to(policy.device).eval()


def save_model(policy: Any, path: str | Path) -> None:
    """Write the policy as a plain transformers checkpoint that ``HFPolicy(path)`` loads: the
    adapter merged into the base when the model has one, the model as it is otherwise."""
    if not is_lora(policy.model):
        policy.save(path)
        return
    base = policy.model.get_base_model()
    with _no_progress_bars():
        base.save_pretrained(path, state_dict=merged_state_dict(policy.model))
        policy.tokenizer.save_pretrained(path)


def save_adapter(policy: Any, path: str | Path) -> None:
    """Write the adapter alone (what a resumed run loads onto the base)."""
    with _no_progress_bars():
        policy.model.save_pretrained(path)


def checkpoint_state_dict(model: Any) -> dict[str, torch.Tensor]:
    """The weights ``save_model`` writes, under the checkpoint's key names: the adapter merged
    when the model has one, the model's own state dict otherwise."""
    return merged_state_dict(model) if is_lora(model) else {k: v.detach() for k, v in model.state_dict().items()}


def merged_state_dict(model: Any) -> dict[str, torch.Tensor]:
    """The base model's state dict with the active adapter merged into each adapted weight,
    under the base model's own key names. Unlike peft's ``merge_and_unload``, this leaves the
    training model untouched and copies only the adapted weights (a merge followed by an
    unmerge would not give the same weights back)."""
    from peft.tuners.lora import LoraLayer

    adapter = model.active_adapter
    base = model.get_base_model()
    state = {key.replace(".base_layer.", "."): tensor.detach() for key, tensor in base.state_dict().items()
             if ".lora_" not in key}
    with torch.no_grad():
        for name, module in base.named_modules():
            if isinstance(module, LoraLayer) and adapter in module.lora_A:
                weight = module.get_base_layer().weight
                state[f"{name}.weight"] = weight + module.get_delta_weight(adapter).to(weight.dtype)
    return state


class AdapterOff:
    """The base of a LoRA policy model, called like a model: the forward pass with the adapter
    switched off (the KL reference while the adapter holds all that training changed). Runs in
    eval mode, as a separate reference model would."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def __call__(self, **inputs: Any) -> Any:
        training = self.model.training
        self.model.eval()
        try:
            with self.model.disable_adapter():
                return self.model(**inputs)
        finally:
            self.model.train(training)

    def get_output_embeddings(self) -> Any:
        """The (shared) output layer, so that a loss computes the reference's logits only where
        it needs them, as it does for a separate reference model."""
        return self.model.get_output_embeddings()


class _no_progress_bars:
    """transformers' save progress bars off while a trainer saves (it saves often)."""

    def __enter__(self) -> None:
        import transformers

        self._logging = transformers.utils.logging
        self._was_on = self._logging.is_progress_bar_enabled()
        self._logging.disable_progress_bar()

    def __exit__(self, *exc: Any) -> None:
        if self._was_on:
            self._logging.enable_progress_bar()
