"""Token-in, token-out episodes (DESIGN §2.4): the ``concat`` and ``window`` contexts, and a
validator that proves them.

In ``concat`` mode an episode is one growing token sequence. It starts with the chat template's
rendering of the first observation (with the generation prompt); each generation's tokens are
appended exactly as sampled (loss mask 1, with their log-probs); each environment answer is
appended as the template's tokens for it: the rest of the assistant turn's closing that the
model did not generate itself, the user message, and the next generation prompt (mask 0).
No past turn is ever tokenised again, so the tokens a trainer sees are the tokens the policy
conditioned on and sampled.

The template's pieces are found once per tokenizer by rendering a probe conversation: the
assistant turn's closing is what follows its content, and a user message's block is what
rendering one more message adds. This needs a prefix-stable template (rendering a longer
conversation starts with the rendering of the shorter one), which ChatML, Llama 3, Mistral and
most others are; :class:`ChatTokens` refuses one that is not.

In ``window`` mode each turn is a separate sample: its prompt is the template's rendering of
the task (the first observation) and the last K exchanges, tokenised once for that turn, and
its generation follows. The episode stores the samples one after the other: sample k is
``token_ids[turns[k-1].token_end:turns[k].token_end]`` (its prompt ends at
``turns[k].token_start``), and ``episode.metadata`` says ``{"context": "window",
"window_turns": K}``. It works with any chat template (Qwen3-style templates that rewrite past
turns included), at the price of a prompt per turn.

The tokenizer is any object with ``apply_chat_template``, ``encode`` and ``decode`` (a
transformers tokenizer); nothing here imports transformers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agentgym.chat import chat_messages
from agentgym.errors import AgentGymError

_PROBE_USER, _PROBE_ASSISTANT = "\u2063probe-user\u2063", "\u2063probe-assistant\u2063"


class TemplateError(AgentGymError):
    """A chat template that concat mode cannot extend token-exactly."""


class ChatTokens:
    """The chat template's token pieces for one tokenizer (and an optional system prompt)."""

    def __init__(self, tokenizer: Any, system_prompt: str | None = None) -> None:
        self.tokenizer = tokenizer
        self.system = [{"role": "system", "content": system_prompt}] if system_prompt else []
        probe = [*self.system, {"role": "user", "content": _PROBE_USER}, {"role": "assistant", "content": _PROBE_ASSISTANT}]
        rendered = self._render(probe, generation_prompt=False)
        if _PROBE_ASSISTANT not in rendered:
            raise TemplateError("the chat template does not render assistant messages verbatim")
        self.closing = rendered[rendered.rindex(_PROBE_ASSISTANT) + len(_PROBE_ASSISTANT):]
        self._probe, self._probe_text = probe, rendered
        self.eos_texts = {tokenizer.decode([i]) for i in _ids(getattr(tokenizer, "eos_token_id", None))}

    def _render(self, messages: list[dict[str, str]], generation_prompt: bool) -> str:
        return self.tokenizer.apply_chat_template(messages, add_generation_prompt=generation_prompt, tokenize=False)

    def first_prompt_text(self, observation: str) -> str:
        """The template's text for the first observation, ending with the generation prompt."""
        return self._render([*self.system, {"role": "user", "content": observation}], generation_prompt=True)

    def observation_text(self, generated_text: str, observation: str) -> str:
        """The template's text that follows a generation: the closing the model did not write
        (``generated_text`` is the generation decoded with special tokens), the user message and
        the next generation prompt."""
        extended = self._render([*self._probe, {"role": "user", "content": observation}], generation_prompt=True)
        if not extended.startswith(self._probe_text):
            raise TemplateError("the chat template is not prefix-stable: use the window context mode with it")
        closing = self.closing
        for end in sorted(self.eos_texts, key=len, reverse=True):
            if end and generated_text.endswith(end) and closing.startswith(end):
                closing = closing[len(end):]
                break
        return closing + extended[len(self._probe_text):]

    def encode(self, text: str) -> list[int]:
        return list(self.tokenizer.encode(text, add_special_tokens=False))


@dataclass
class TokenSequence:
    """Token ids with their loss mask and log-probs, appended to together."""

    token_ids: list[int] = field(default_factory=list)
    loss_mask: list[int] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)

    def _append(self, ids: list[int], mask: int = 0, logprobs: list[float] | None = None) -> tuple[int, int]:
        """Append ``ids`` (log-probs 0.0 unless given); returns their span ``(start, end)``."""
        if logprobs is not None and len(logprobs) != len(ids):
            raise ValueError("a generation needs one log-prob per token")
        start = len(self.token_ids)
        self.token_ids.extend(int(i) for i in ids)
        self.loss_mask.extend([mask] * len(ids))
        self.logprobs.extend([float(x) for x in logprobs] if logprobs is not None else [0.0] * len(ids))
        return start, len(self.token_ids)


@dataclass
class ConcatContext(TokenSequence):
    """The growing token sequence of one episode in ``concat`` mode."""

    chat: ChatTokens | None = None

    def start(self, observation: str) -> list[int]:
        """Begin with the first observation; returns the prompt for the first generation."""
        self._append(self.chat.encode(self.chat.first_prompt_text(observation)))
        return list(self.token_ids)

    def add_generation(self, token_ids: list[int], logprobs: list[float] | None) -> tuple[int, int]:
        """Append the sampled tokens as they are; returns their span ``(start, end)``."""
        return self._append(token_ids, mask=1, logprobs=logprobs)

    def add_observation(self, generated_ids: list[int], observation: str) -> list[int]:
        """Append the environment's answer; returns the prompt for the next generation."""
        generated = self.chat.tokenizer.decode(generated_ids)
        self._append(self.chat.encode(self.chat.observation_text(generated, observation)))
        return list(self.token_ids)


@dataclass
class WindowContext(TokenSequence):
    """The samples of one episode in ``window`` mode (one per turn)."""

    tokenizer: Any = None
    window_turns: int = 4
    system_prompt: str | None = None

    def prompt(self, first_observation: str, exchanges: list[tuple[str, str]]) -> list[int]:
        """The prompt of the next sample: the task and the last ``window_turns`` exchanges."""
        text = window_prompt_text(self.tokenizer, first_observation, exchanges, self.window_turns, self.system_prompt)
        return list(self.tokenizer.encode(text, add_special_tokens=False))

    def add_sample(self, prompt_ids: list[int], token_ids: list[int], logprobs: list[float] | None) -> tuple[int, int]:
        """Append one sample (prompt, then generation); returns the generation's span."""
        self._append(prompt_ids)
        return self._append(token_ids, mask=1, logprobs=logprobs)


def generation_prompt_ids(tokenizer: Any, messages: list[dict[str, str]]) -> list[int]:
    """The chat template's token ids for ``messages``, ending with the generation prompt (how a
    model policy renders a request that carries no prompt tokens)."""
    ids = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True)
    return list(ids["input_ids"] if isinstance(ids, dict) or hasattr(ids, "keys") else ids)


def request_prompt_ids(tokenizer: Any, request: Any) -> list[int]:
    """A request's prompt tokens: its ``prompt_token_ids`` (token-exact rollouts), else the chat
    template's rendering of its ``messages``."""
    if request.prompt_token_ids is not None:
        return list(request.prompt_token_ids)
    return generation_prompt_ids(tokenizer, request.messages)


def window_prompt_text(tokenizer: Any, first_observation: str, exchanges: list[tuple[str, str]], window_turns: int,
                       system_prompt: str | None = None) -> str:
    """The template's text of a ``window`` prompt: system?, the task, the last ``window_turns``
    exchanges, the generation prompt."""
    recent = exchanges[-window_turns:] if window_turns > 0 else []
    messages = chat_messages(first_observation, recent, system_prompt=system_prompt)
    return tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)


def validate_episode(episode: Any, tokenizer: Any, system_prompt: str | None = None,
                     policy: Any = None, temperature: float = 1.0, atol: float = 1e-3) -> str | None:
    """Check a ``concat`` or ``window`` episode's tokens against its conversation; the first mismatch, or None.

    Checks, in order: the three token arrays have one entry per token; the turns' generated spans
    follow each other and the loss mask is 1 exactly on them (log-probs 0 elsewhere); each
    generated span decodes to the turn's raw output; the tokens before the first span decode to
    the template's first prompt, and the tokens between spans to the template's text for the
    previous turn's observation (``window``: to the template's rendering of that turn's window).
    With ``policy`` (an ``HFPolicy``), the stored log-probs must equal the policy's log-probs of the stored sequence (``atol``): the tokens are the ones it
    sampled, in the context it sampled them in.
    """
    ids, mask, logprobs = episode.token_ids, episode.loss_mask, episode.logprobs
    if ids is None or mask is None or logprobs is None:
        return "the episode has no token ids, loss mask or log-probs"
    if not len(ids) == len(mask) == len(logprobs):
        return f"lengths differ: {len(ids)} token ids, {len(mask)} mask entries, {len(logprobs)} log-probs"
    window = episode.metadata.get("context") == "window"
    chat = None if window else ChatTokens(tokenizer, system_prompt)
    spans = [(t.token_start, t.token_end) for t in episode.turns]
    expected_mask = [0] * len(ids)
    previous_end = 0
    for k, (start, end) in enumerate(spans):
        if start is None or end is None or not previous_end <= start <= end <= len(ids):
            return f"turn {k}: token span {start}..{end} is not inside the sequence after {previous_end}"
        expected_mask[start:end] = [1] * (end - start)
        previous_end = end
    for i, (got, want) in enumerate(zip(mask, expected_mask)):
        if got != want:
            return f"token {i}: loss mask {got}, expected {want} (1 exactly on generated tokens)"
        if not want and logprobs[i] != 0.0:
            return f"token {i}: log-prob {logprobs[i]} on a non-generated token"
    boundary = 0
    for k, (turn, (start, end)) in enumerate(zip(episode.turns, spans)):
        if window:
            exchanges = [(t.raw_output, t.observation) for t in episode.turns[:k]]
            want = window_prompt_text(tokenizer, episode.first_observation, exchanges, episode.metadata["window_turns"],
                                      system_prompt)
        elif k == 0:
            want = chat.first_prompt_text(episode.first_observation)
        else:
            previous = episode.turns[k - 1]
            want = chat.observation_text(tokenizer.decode(ids[spans[k - 1][0]:spans[k - 1][1]]), previous.observation)
        got = tokenizer.decode(ids[boundary:start])
        if got != want:
            return f"turn {k}: the environment tokens {boundary}..{start} decode to {got!r}, the template gives {want!r}"
        text = tokenizer.decode(ids[start:end], skip_special_tokens=True)
        if text != turn.raw_output:
            return f"turn {k}: generated tokens {start}..{end} decode to {text!r}, the raw output is {turn.raw_output!r}"
        boundary = end
    if policy is not None and ids:
        # concat: one sequence; window: each sample on its own
        bounds = [(spans[k - 1][1] if k else 0, end) for k, (_, end) in enumerate(spans)] if window else [(0, len(ids))]
        for low, high in bounds:
            recomputed = policy.sequence_logprobs([ids[low:high]], temperature=temperature)[0].tolist()
            for i, again in enumerate(recomputed, low):
                if mask[i] and abs(logprobs[i] - again) > atol:
                    return f"token {i}: stored log-prob {logprobs[i]:.5f}, the policy gives {again:.5f} in its context"
    return None


def _ids(value: Any) -> list[int]:
    if isinstance(value, int):
        return [value]
    return [int(v) for v in value] if isinstance(value, (list, tuple)) else []
