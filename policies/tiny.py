"""Small models and tokenizers made offline, for tests and the CPU demo (no model hub is reachable).

:func:`offline_tokenizer` trains a byte-level BPE tokenizer on text the caller gives (say, the
observations of an env) and gives it the special tokens and chat template of a known model
family; :func:`tiny_config` is a few-hundred-thousand-parameter Llama config for it. With
:meth:`policies.hf.HFPolicy.from_config` they make a policy that runs everywhere in seconds.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from agentgym.deps import require

# Chat templates of two model families (Jinja, as in their tokenizer_config.json files).
CHAT_TEMPLATES = {
    "chatml": {  # Qwen2 / many fine-tunes
        "special": ["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
        "eos": "<|im_end|>", "pad": "<|endoftext|>", "bos": None,
        "template": (
            "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
            "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
        ),
    },
    "llama3": {  # Llama 3
        "special": ["<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>", "<|finetune_right_pad_id|>"],
        "eos": "<|eot_id|>", "pad": "<|finetune_right_pad_id|>", "bos": "<|begin_of_text|>",
        "template": (
            "{{ bos_token }}{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'"
            " + message['content'] | trim + '<|eot_id|>' }}{% endfor %}"
            "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}"
        ),
    },
}


def offline_tokenizer(corpus: Iterable[str], template: str = "chatml", vocab_size: int = 512) -> Any:
    """A ``PreTrainedTokenizerFast`` trained on ``corpus`` with ``template``'s special tokens and chat template."""
    if template not in CHAT_TEMPLATES:
        raise ValueError(f"unknown chat template {template!r}; choose from {', '.join(CHAT_TEMPLATES)}")
    tokenizers = require("tokenizers", extra="hf", what="offline tokenizers")
    transformers = require("transformers", extra="hf", what="offline tokenizers")
    spec = CHAT_TEMPLATES[template]
    model = tokenizers.Tokenizer(tokenizers.models.BPE())
    model.pre_tokenizer = tokenizers.pre_tokenizers.ByteLevel(add_prefix_space=False)
    model.decoder = tokenizers.decoders.ByteLevel()
    trainer = tokenizers.trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=spec["special"],
                                             initial_alphabet=tokenizers.pre_tokenizers.ByteLevel.alphabet(),
                                             show_progress=False)
    model.train_from_iterator(list(corpus), trainer=trainer)
    tokenizer = transformers.PreTrainedTokenizerFast(tokenizer_object=model, eos_token=spec["eos"],
                                                     pad_token=spec["pad"], bos_token=spec["bos"])
    tokenizer.chat_template = spec["template"]
    return tokenizer


def tiny_config(tokenizer: Any, hidden_size: int = 64, layers: int = 2, heads: int = 4) -> Any:
    """A small Llama config sized to ``tokenizer``."""
    transformers = require("transformers", extra="hf", what="tiny models")
    return transformers.LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=hidden_size, intermediate_size=hidden_size * 2,
        num_hidden_layers=layers, num_attention_heads=heads, num_key_value_heads=heads,
        max_position_embeddings=4096, pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id, bos_token_id=tokenizer.bos_token_id, tie_word_embeddings=True,
    )
