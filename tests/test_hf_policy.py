"""The hf policy (a real transformers model, built offline) and token-exact ``concat`` rollouts
checked by the validator, on two chat templates and on real envs."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

import agentgym  # noqa: E402
from agentgym import PolicyError  # noqa: E402
from agentgym.policy import Request, SamplingParams  # noqa: E402
from agentgym.rollout import ChatTokens, RunSettings, TemplateError, run_episode, validate_episode  # noqa: E402
from policies.hf import HFPolicy  # noqa: E402
from policies.tiny import CHAT_TEMPLATES, offline_tokenizer, tiny_config  # noqa: E402

CORPUS = ["You are in the hall. Exits: north, east. A red key lies here.", "go north", "take red key",
          "unlock the red door", "I don't understand that. Try: look, inventory."] * 20
SYSTEM = "You play a text game. Answer with one command."


@pytest.fixture(scope="module", params=list(CHAT_TEMPLATES))
def policy(request):
    tokenizer = offline_tokenizer(CORPUS, request.param)
    return HFPolicy.from_config(tiny_config(tokenizer), tokenizer, device="cpu", seed=0)


def ask(text: str, **sampling) -> Request:
    return Request(messages=[{"role": "user", "content": text}], sampling=SamplingParams(**sampling))


def test_batched_sampling_equals_one_at_a_time_and_logprobs_match(policy):
    requests = [ask("You are in the hall." * (i + 1), max_new_tokens=10, seed=i, temperature=0.9, top_p=0.95) for i in range(4)]
    batch = policy.generate(requests)
    alone = [policy.generate([r])[0] for r in requests]
    assert [g.token_ids for g in batch] == [g.token_ids for g in alone]  # left padding changes nothing
    for request, generation in zip(requests, batch):
        assert len(generation.token_ids) == len(generation.logprobs) == generation.completion_tokens <= 10
        prompt = policy.render_prompt(request.messages)
        again = policy.sequence_logprobs([prompt + generation.token_ids], temperature=0.9)[0][len(prompt):]
        assert torch.allclose(again, torch.tensor(generation.logprobs), atol=1e-4)
    assert policy.generate([requests[0]])[0].token_ids == batch[0].token_ids  # the seed fixes the answer


def test_greedy_stop_strings_and_length(policy):
    greedy = [policy.generate([ask("go north", temperature=0.0, max_new_tokens=8)])[0] for _ in range(2)]
    assert greedy[0].token_ids == greedy[1].token_ids and greedy[0].finish_reason in ("stop", "length")
    free = policy.generate([ask("go north", max_new_tokens=30, seed=3)])[0]
    assert len(free.text) > 2
    stop = free.text[1:3]
    stopped = policy.generate([ask("go north", max_new_tokens=30, seed=3, stop=(stop,))])[0]
    assert stopped.finish_reason == "stop" and stop in stopped.text and len(stopped.token_ids) <= len(free.token_ids)
    assert policy.generate([ask("go north", max_new_tokens=0)])[0].token_ids == []


def test_save_and_load_through_make_policy(policy, tmp_path):
    policy.save(tmp_path / "ckpt")
    loaded = agentgym.make_policy(f"hf:{tmp_path / 'ckpt'}", device="cpu")
    request = ask("take red key", max_new_tokens=6, seed=1)
    assert loaded.generate([request])[0].token_ids == policy.generate([request])[0].token_ids
    with pytest.raises(ValueError, match="checkpoint"):
        agentgym.make_policy(f"hf:{tmp_path / 'missing'}")
    with pytest.raises(PolicyError):
        agentgym.make_policy("hff:x")


def play(policy, env_id: str, seed: int, context: str = "concat", **make_kwargs):
    settings = RunSettings(context=context, system_prompt=SYSTEM, window_turns=2,
                           sampling=SamplingParams(max_new_tokens=10, temperature=1.0))
    return run_episode(agentgym.make(env_id, **make_kwargs), policy, env_id=env_id, seed=seed, settings=settings)


def concat(policy, env_id: str, seed: int, **make_kwargs):
    return play(policy, env_id, seed, "concat", **make_kwargs)


def test_concat_episodes_are_token_exact_on_the_toy_env(policy):
    episode = concat(policy, "toy/keys-v0", seed=0, max_episode_steps=5)
    assert episode.num_turns == 5 and episode.truncated
    assert sum(episode.loss_mask) == sum(t.token_end - t.token_start for t in episode.turns) > 0
    assert validate_episode(episode, policy.tokenizer, SYSTEM, policy=policy) is None
    # the policy was prompted with exactly the stored prefix: re-sampling turn 2 from it gives its tokens
    turn = episode.turns[2]
    again = policy.generate([Request(messages=[], prompt_token_ids=episode.token_ids[:turn.token_start],
                                     sampling=SamplingParams(max_new_tokens=10, seed=_turn_seed(2)))])[0]
    assert again.token_ids == episode.token_ids[turn.token_start:turn.token_end]


def test_window_episodes_are_token_exact_samples_of_the_last_turns(policy):
    episode = play(policy, "toy/keys-v0", seed=2, context="window", max_episode_steps=5)
    usage = episode.metadata.pop("usage")
    assert episode.metadata == {"context": "window", "window_turns": 2, "sampling_seed": 2} and episode.num_turns == 5
    # tokens in and out are counted per episode (the eval summary reports them)
    assert usage["completion_tokens"] == sum(episode.loss_mask) and usage["prompt_tokens"] > usage["completion_tokens"]
    assert validate_episode(episode, policy.tokenizer, SYSTEM, policy=policy) is None
    # sample 4's prompt holds the task and turns 2 and 3 only
    turns = episode.turns
    prompt = policy.tokenizer.decode(episode.token_ids[turns[3].token_end:turns[4].token_start])
    assert episode.first_observation.strip() in prompt and turns[3].observation.strip() in prompt
    assert prompt.count(SYSTEM) == 1 and turns[0].observation.strip() not in prompt.replace(episode.first_observation.strip(), "")
    again = policy.generate([Request(messages=[], prompt_token_ids=episode.token_ids[turns[3].token_end:turns[4].token_start],
                                     sampling=SamplingParams(max_new_tokens=10, seed=_turn_seed(4, seed=2)))])[0]
    assert again.token_ids == episode.token_ids[turns[4].token_start:turns[4].token_end]
    broken = play(policy, "toy/keys-v0", seed=2, context="window", max_episode_steps=5)
    broken.metadata["window_turns"] = 3  # the prompts were made with 2: the validator sees it
    assert validate_episode(broken, policy.tokenizer, SYSTEM) is not None


def _turn_seed(turn: int, seed: int = 0) -> int:
    from agentgym.rollout import turn_seed

    return turn_seed(seed, turn)


@pytest.mark.slow
@pytest.mark.parametrize("context", ["concat", "window"])
def test_token_exact_episodes_on_textworld(policy, context):
    pytest.importorskip("textworld")
    episode = play(policy, "textworld/coin-v0", seed=0, context=context, max_episode_steps=4)
    assert episode.num_turns == 4
    assert validate_episode(episode, policy.tokenizer, SYSTEM, policy=policy) is None


def test_the_validator_reports_the_first_mismatch(policy):
    episode = concat(policy, "toy/keys-v0", seed=1, max_episode_steps=3)
    start = episode.turns[1].token_start
    cases = {
        "token_ids": lambda e: e.token_ids.__setitem__(start - 1, (e.token_ids[start - 1] + 1) % len(policy.tokenizer)),
        "loss_mask": lambda e: e.loss_mask.__setitem__(start - 1, 1),
        "logprobs": lambda e: e.logprobs.__setitem__(start, e.logprobs[start] - 0.5),
        "raw_output": lambda e: setattr(e.turns[0], "raw_output", e.turns[0].raw_output + "!"),
        "lengths": lambda e: e.logprobs.pop(),
    }
    for name, corrupt in cases.items():
        broken = concat(policy, "toy/keys-v0", seed=1, max_episode_steps=3)
        corrupt(broken)
        problem = validate_episode(broken, policy.tokenizer, SYSTEM, policy=policy)
        assert problem is not None, name
    assert validate_episode(episode, policy.tokenizer, SYSTEM, policy=policy) is None


def test_concat_needs_a_tokenizer_and_a_prefix_stable_template(policy):
    with pytest.raises(ValueError, match="tokenizer"):
        run_episode(agentgym.make("toy/keys-v0"), agentgym.make_policy("random"), env_id="toy/keys-v0", seed=0,
                    settings=RunSettings(context="concat"))
    with pytest.raises(ValueError, match="context"):
        run_episode(agentgym.make("toy/keys-v0"), policy, env_id="toy/keys-v0", seed=0, settings=RunSettings(context="tokens"))
    tokenizer = offline_tokenizer(CORPUS, "chatml")
    # a template that renders only the last message is not prefix-stable
    tokenizer.chat_template = "{{ '<|im_start|>' + messages[-1]['role'] + '\\n' + messages[-1]['content'] + '<|im_end|>' }}"
    with pytest.raises(TemplateError):
        ChatTokens(tokenizer).observation_text("hi", "obs")
