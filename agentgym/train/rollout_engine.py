"""What samples the trainer's episodes: the training model itself, or a vLLM engine given its weights.

``model.rollout = "hf"`` (default) plays episodes with the model being trained
(:class:`policies.hf.HFPolicy`). ``model.rollout = "vllm"`` plays them with vLLM's offline
engine (:class:`policies.vllm_engine.VLLMPolicy`, CUDA only), the layout of most GPU RL
trainers: the engine starts from the trained model written to ``runs/NAME/rollout-model/`` (a
plain checkpoint, LoRA adapters merged) at its first use, and before each later collection it
is given the current weights when they changed since (:meth:`Sampler.policy` compares the
trainer's weight version).

Two engines never agree bit for bit on log-probabilities (other kernels, bfloat16), so with a
separate sampler the update's "old" log-probabilities are recomputed with the training model
(:func:`relabel_logprobs`): the PPO ratio of the first step is exactly 1, as with ``hf``, and
the mean absolute gap between what the sampler reported and what the trainer computes is
logged as ``rollout/logprob_gap`` (a growing gap is the training-inference mismatch that
truncated importance sampling corrects; agentgym only reports it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch

from agentgym.deps import load_attr
from agentgym.train import lora
from agentgym.train.config import ModelSection
from agentgym.train.samples import Sample

ROLLOUT_DIR = "rollout-model"  # inside the run directory: the checkpoint the vLLM engine starts from


class Sampler:
    """The policy that plays the trainer's episodes (see the module docstring)."""

    def __init__(self, model: ModelSection, run_dir: Path, seed: int) -> None:
        self.kind, self.engine_kwargs = model.rollout, dict(model.vllm)
        self.run_dir, self.seed = Path(run_dir), seed
        self.engine: Any = None
        self._version: int | None = None

    @property
    def separate(self) -> bool:
        """Whether episodes are sampled by another engine than the training model."""
        return self.kind != "hf"

    def policy(self, trained: Any, version: int) -> Any:
        """The policy to collect with, holding the weights of ``version`` of ``trained``."""
        if not self.separate:
            return trained
        if self.engine is None:
            directory = self.run_dir / ROLLOUT_DIR
            lora.save_model(trained, directory)
            self.engine = load_attr("policies.vllm_engine:VLLMPolicy")(str(directory), seed=self.seed, **self.engine_kwargs)
        elif self._version != version:
            self.engine.load_weights(lora.checkpoint_state_dict(trained.model))
        self._version = version
        return self.engine

    def close(self) -> None:
        if self.engine is not None:
            self.engine.close()
            self.engine = None


def relabel_logprobs(samples: Sequence[Sample], trainer_logprobs: Mapping[int, torch.Tensor]) -> float:
    """Replace each sample's log-probs on its agent tokens with the training model's
    (``trainer_logprobs[id(sample)]``, one per token); returns the mean absolute difference
    over those tokens (0.0 when there are none)."""
    gap, count = 0.0, 0
    for sample in samples:
        computed = trainer_logprobs[id(sample)].tolist()
        if len(computed) != len(sample):
            raise ValueError(f"{len(computed)} trainer log-probs for a sample of {len(sample)} tokens")
        for i, agent in enumerate(sample.loss_mask):
            if agent:
                gap += abs(computed[i] - sample.logprobs[i])
                count += 1
                sample.logprobs[i] = computed[i]
    return gap / count if count else 0.0
