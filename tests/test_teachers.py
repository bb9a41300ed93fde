"""Subgoal teachers on real envs and real policies: the bonus and the show schedule by hand, the
expert's subgoals on the toy task and TextWorld, completion by rubric, score, command,
observation matcher and an LLM judge served over real HTTP, LLM teachers whose answers are
garbage (a tiny random-weight model), late or failed, the caches, and a training run whose
training episodes are taught while its evaluation never is."""

from __future__ import annotations

import json
import math
import time

import pytest

import agentgym
from agentgym.algos import subgoal_bonus
from agentgym.curriculum.judge import LLMJudge, parse_verdict
from agentgym.curriculum.show_schedule import show_probability
from agentgym.curriculum.subgoals import MARK, Subgoal, SubgoalPlan, mark, parse_subgoals, strip_mark
from agentgym.curriculum.teacher_pool import TeacherPool
from agentgym.curriculum.teachers import ExpertTeacher, LLMTeacher, TaskContext
from agentgym.curriculum.tracker import SubgoalTracker
from agentgym.errors import ConfigError
from agentgym.policy import Generation
from agentgym.rollout import RunSettings
from agentgym.rollout.collector import EpisodeSpec, collect
from agentgym.rollout.pool import EnvFactory, InProcessPool
from agentgym.train.shaping import SUBGOAL_KEY, apply_subgoal_rewards

TOY = {"num_rooms": 4, "num_locks": 2, "num_distractors": 0}


def toy_reset(seed: int, **kwargs) -> TaskContext:
    env = agentgym.make("toy/keys-v0", **{**TOY, **kwargs})
    try:
        return TaskContext(*env.reset(seed=seed))
    finally:
        env.close()


def play(pool, specs, policy="expert", max_turns: int = 50) -> list:
    policy = agentgym.make_policy(policy) if isinstance(policy, str) else policy
    episodes = list(collect(pool, policy, specs, settings=RunSettings(max_turns=max_turns)))
    return sorted(episodes, key=lambda e: e.seed)


def taught(seed: int, show: bool = True, env_id: str = "toy/keys-v0") -> EpisodeSpec:
    return EpisodeSpec(env_id, seed, options={"teacher": {"show": show}})


def toy_pool(teacher, *, workers: int = 1, max_steps: int = 50, **kwargs) -> TeacherPool:
    return TeacherPool(InProcessPool([EnvFactory("toy/keys-v0", TOY)] * workers), teacher, max_steps=max_steps, **kwargs)


# the bonus and the schedule ---------------------------------------------------------------------
def test_subgoal_bonus_by_hand():
    assert subgoal_bonus(3, 10) == pytest.approx(0.7)  # 1 * (1 - 3/10)
    assert subgoal_bonus(0, 50, alpha=0.5) == pytest.approx(0.5)  # done on the previous one's step
    assert subgoal_bonus(1, 4, alpha=2.0) == pytest.approx(1.5)  # 2 * (1 - 1/4)
    assert subgoal_bonus(10, 10) == 0.0  # it took the whole episode
    for args, message in [((-1, 10), r"in \[0, max_steps=10\]"), ((11, 10), r"in \[0, max_steps=10\]"),
                          ((0, 0), "max_steps"), ((1.5, 10), "integer"), ((1, 10, math.nan), "alpha must be finite")]:
        with pytest.raises(ValueError, match=message):
            subgoal_bonus(*args)


def test_the_show_probability_anneals_to_zero_by_hand():
    # 16 iterations, until 0.75: nothing is shown from iteration 12 on
    assert [show_probability(k, 16) for k in (0, 3, 6, 11, 12, 15)] == pytest.approx([1, 0.75, 0.5, 1 / 12, 0, 0])
    assert show_probability(6, 16, anneal="cosine") == pytest.approx(0.5)  # (1 + cos(pi/2)) / 2
    assert show_probability(3, 16, start=0.8, anneal="cosine") == pytest.approx(0.8 * (1 + math.cos(math.pi / 4)) / 2)
    assert [show_probability(k, 10, start=0.6, anneal="step", until=0.5) for k in (0, 4, 5, 9)] == [0.6, 0.6, 0.0, 0.0]
    assert show_probability(99, 10, start=0.3, anneal="constant") == 0.3
    for kwargs, message in [({"anneal": "exp"}, "unknown show anneal"), ({"start": 1.5}, r"in \[0, 1\]"),
                            ({"until": 0.0}, r"in \(0, 1\]")]:
        with pytest.raises(ValueError, match=message):
            show_probability(0, 10, **kwargs)


def test_subgoal_lists_are_read_from_json_fences_and_numbered_lists_and_garbage_is_refused():
    assert parse_subgoals('["take the red key", "unlock the red door"]') == ["take the red key", "unlock the red door"]
    assert parse_subgoals('Sure!\n```json\n{"subgoals": ["go north", " take  the coin. "]}\n```') == ["go north", "take the coin"]
    assert parse_subgoals("Plan:\n1. Take the red key.\n2) unlock the red door\n- take the coin\nStep 4: win") == [
        "Take the red key", "unlock the red door", "take the coin", "win"]
    assert parse_subgoals("1. a\n2. a\n3. b\n4. c", max_subgoals=2) == ["a", "b"]  # repeats dropped, capped
    assert parse_subgoals('[1, "", "x" , "take it"]') == ["x", "take it"]  # non-subgoals skipped
    for garbage in ["", "kitchen the go ĠĠ north key key", "Ġ1.\n\n", '{"tasks": []}', "[1, 2, 3]", "- " + "x" * 300]:
        with pytest.raises(ValueError, match="no subgoal list"):
            parse_subgoals(garbage)
    observation = "You are in the hall."
    assert mark(observation, "take the key") == f"{observation}\n{MARK} take the key"
    assert strip_mark(mark(observation, "take the key")) == observation and mark(observation, None) == observation


# expert subgoals ------------------------------------------------------------------------------
def test_expert_subgoals_on_the_toy_task_come_from_its_rubric_or_its_plan():
    context = toy_reset(3)
    plan = ExpertTeacher().plan(context)  # auto: the rubric reads as instructions
    assert plan.source == "rubric"
    assert [s.text for s in plan.subgoals] == ["take the red key", "unlock the red door", "take the gold coin"]
    assert all(s.criterion == s.text for s in plan.subgoals)
    assert len(ExpertTeacher().plan(toy_reset(4)).subgoals) == 5  # two locked doors on the way
    reference = ExpertTeacher("reference").plan(context)
    commands = context.info["reference"].split("; ")
    assert reference.source == "reference" and [s.command for s in reference.subgoals] == commands
    assert reference.subgoals[-1].score == context.info["max_score"] == 3.0 and reference.subgoals[0].score is None
    assert ExpertTeacher().metrics() == {"expert_plans": 0.0, "expert_empty": 0.0}
    with pytest.raises(ValueError, match="unknown expert source"):
        ExpertTeacher("walkthrough")


@pytest.mark.slow
def test_expert_subgoals_on_textworld_are_its_walkthrough_and_complete_as_it_is_played():
    pytest.importorskip("textworld")
    env_id, kwargs = "textworld/custom-v0", {"world_size": 2, "nb_objects": 2, "quest_length": 2}
    teacher = ExpertTeacher()
    pool = TeacherPool(InProcessPool([EnvFactory(env_id, kwargs)]), teacher, max_steps=100)
    [episode] = play(pool, [taught(1, env_id=env_id)])
    walkthrough = episode.start_info["reference"].split("; ")
    assert set(episode.start_info["rubric"]) == {"quest 1"}  # a label, not an instruction: the walkthrough is used
    assert episode.start_info["subgoal_source"] == "reference" and episode.start_info["subgoals"] == walkthrough
    assert episode.first_observation.endswith(f"\n{MARK} {walkthrough[0]}")
    completions = [c for t in episode.turns for c in t.info.get("subgoal_completions", [])]
    assert [c["index"] for c in completions] == list(range(len(walkthrough))) and episode.success
    assert [c["by"] for c in completions] == ["command"] * (len(walkthrough) - 1) + ["score"]  # the last: the score reached
    assert all(c["steps"] == 1 and c["bonus"] == pytest.approx(1 - 1 / 100) for c in completions)


def test_an_answer_listing_the_admissible_commands_does_not_complete_them():
    pytest.importorskip("textworld")
    from agentgym.curriculum.completion import completed

    env = agentgym.make("textworld/coin-v0", level=5, goal="brief", list_actions=True)
    _, info = env.reset(seed=3)
    first = info["reference"].split("; ")[0]  # e.g. "go east", listed in every answer from that room
    observation, _, _, _, info = env.step("look")
    assert first in info["admissible_actions"] and first in observation
    assert completed(Subgoal(first), "look", observation, info) == (None, "")  # undecided: not done
    observation, _, _, _, info = env.step(first)
    assert completed(Subgoal(first, command=first), first, observation, info) == (True, "command")


def test_a_walkthrough_command_counts_where_the_expert_would_play_it_once_per_action():
    walk = [Subgoal("go east", command="go east"), Subgoal("go north", command="go north"),
            Subgoal("go north", command="go north")]
    tracker = SubgoalTracker(SubgoalPlan(walk, "reference"), max_steps=10, start_info={"expert_action": "go east"})
    # the way goes east; "go north" from the first room (it has a north exit too) is no step of the walkthrough
    assert tracker.step("go north", "-= Pantry =-", {"action_valid": True, "expert_action": "go south"}) == []
    assert tracker.step("go south", "-= Hall =-", {"action_valid": True, "expert_action": "go east"}) == []
    [first] = tracker.step("go east", "-= Kitchen =-", {"action_valid": True, "expert_action": "go north"})
    assert (first.index, first.by, first.steps) == (0, "command", 3)
    [second] = tracker.step("go north", "-= Attic =-", {"action_valid": True, "expert_action": "go north"})
    assert second.index == 1  # one action, one walkthrough step: not both "go north"s
    [third] = tracker.step("go north", "-= Roof =-", {"action_valid": True, "expert_action": "take coin"})
    assert third.index == 2 and tracker.subgoal is None
    loose = SubgoalTracker(SubgoalPlan(walk, "reference"), max_steps=10)  # an env that names no expert action
    assert [c.index for c in loose.step("go east", "", {"action_valid": True})] == [0]


# completion and the bonus in real episodes ------------------------------------------------------
def test_rubric_completion_pays_the_bonus_equation_and_shows_the_current_subgoal():
    teacher = ExpertTeacher()
    pool = toy_pool(teacher, workers=2, max_steps=20, alpha=0.5)
    shown, hidden, untaught = play(pool, [taught(3), taught(4, show=False), EpisodeSpec("toy/keys-v0", 5)])
    for episode in (shown, hidden):
        subgoals, last, expected = episode.start_info["subgoals"], 0, []
        for k, criterion in enumerate(subgoals):  # in order: the first turn, from the previous completion on, whose rubric has it
            index = next(i for i in range(max(last - 1, 0), len(episode.turns)) if episode.turns[i].info["rubric"][criterion] == 1)
            expected.append((index, k, index + 1 - last))
            last = index + 1
        completions = [c for t in episode.turns for c in t.info.get("subgoal_completions", [])]
        assert [(c["turn"], c["index"], c["steps"]) for c in completions] == expected and len(expected) == len(subgoals)
        assert all(c["by"] == "rubric" and c["bonus"] == pytest.approx(0.5 * (1 - c["steps"] / 20)) for c in completions)
    assert shown.first_observation.endswith(f"{MARK} take the red key")
    for turn in shown.turns:  # each observation shows the subgoal current after the step, none once all are done
        current = turn.info["subgoal"]
        assert (turn.observation.endswith(f"\n{MARK} {current}") if current else MARK not in turn.observation)
    assert all(MARK not in text for e in (hidden, untaught) for text in [e.first_observation] + [t.observation for t in e.turns])
    assert "subgoals" not in untaught.start_info and untaught.success  # not taught: untouched
    metrics = apply_subgoal_rewards([shown, hidden, untaught])
    for episode in (shown, hidden):
        paid = [t.shaped_rewards.get(SUBGOAL_KEY, 0.0) for t in episode.turns]
        owed = [sum(c["bonus"] for u in episode.turns for c in u.info.get("subgoal_completions", []) if c["turn"] == i)
                for i in range(len(episode.turns))]
        assert paid == pytest.approx(owed)
    assert not any(SUBGOAL_KEY in t.shaped_rewards for t in untaught.turns)
    assert metrics["teacher/subgoals"] == metrics["teacher/completed"] == 4 and metrics["teacher/shown_rate"] == 0.5
    assert [c["steps"] for t in hidden.turns for c in t.info.get("subgoal_completions", [])][2] == 0  # the blue key came first
    assert pool.metrics()["episodes"] == 2 and pool.metrics()["shown"] == 1


class Scripted:
    """A scripted policy (real, served over real HTTP): the teacher's plan or the judge's verdict,
    from the prompt; ``delay_s`` per call; ``raise_on`` makes a call fail (the server answers 500)."""

    name = "scripted"

    def __init__(self, plan: list[str] | None = None, delay_s: float = 0.0) -> None:
        self.plan, self.delay_s, self.calls, self.prompts = plan or [], delay_s, 0, []
        self.raise_on: str | None = None

    def generate(self, requests):
        self.calls += 1
        time.sleep(self.delay_s)
        out = []
        for request in requests:
            prompt = request.messages[-1]["content"]
            self.prompts.append(prompt)
            if self.raise_on and self.raise_on in prompt:
                raise RuntimeError("the teacher's GPU fell off the bus")
            if prompt.startswith("Did the agent complete"):  # the judge: the coin is found once it is in view
                answer = prompt.split("What the game answered:", 1)[1]
                out.append(Generation(text="Yes." if "gold coin" in answer else "No, not yet."))
            else:
                out.append(Generation(text="Here is the plan:\n" + "\n".join(f"{i + 1}. {s}" for i, s in enumerate(self.plan))))
        return out


@pytest.fixture
def serve():
    pytest.importorskip("openai")
    from agentgym.server import PolicyServer

    servers = []

    def start(policy) -> str:
        servers.append(PolicyServer(policy, "scripted", port=0).start())
        return f"http://127.0.0.1:{servers[-1].port}/v1"

    yield start
    for server in servers:
        server.shutdown()


def openai(url: str, **kwargs):
    return agentgym.make_policy("openai:scripted", base_url=url, max_retries=0, **kwargs)


def test_llm_subgoals_complete_by_matcher_and_by_an_http_judge(serve):
    teacher_policy = Scripted(["take red key", "unlock the red door", "find the gold coin", "take the gold coin"])
    judge_policy = Scripted(delay_s=0.05)
    teacher = LLMTeacher(openai(serve(teacher_policy)))
    judge = LLMJudge(openai(serve(judge_policy)), batch_size=8)
    pool = toy_pool(teacher, judge=judge, judge_wait_s=5.0)
    try:
        [episode] = play(pool, [taught(3)])
    finally:
        pool.close()
    assert episode.start_info["subgoal_source"] == "llm"
    completions = [c for t in episode.turns for c in t.info.get("subgoal_completions", [])]
    by = {c["index"]: c["by"] for c in completions}
    # "take red key" is no rubric criterion: the env's answer "You take the red key." matched it;
    # "unlock the red door" is one, word for word: the rubric decided; "find the gold coin" only the judge could
    assert by == {0: "observation", 1: "rubric", 2: "judge", 3: "rubric"}
    judged = next(c for c in completions if c["by"] == "judge")
    assert "gold coin" in episode.turns[judged["turn"]].observation  # credited to the step it judged
    metrics = judge.metrics()
    assert metrics["judge_yes"] >= 1 and metrics["judge_calls"] <= metrics["judge_questions"]
    assert teacher_policy.calls == 1 and teacher.metrics()["llm_plans"] == 1


def test_a_slow_judge_never_holds_the_rollout_and_its_late_verdicts_are_counted(serve):
    judge = LLMJudge(openai(serve(Scripted(delay_s=1.5))), timeout_s=10.0)
    teacher = LLMTeacher(openai(serve(Scripted(["find the gold coin"]))))
    pool = toy_pool(teacher, judge=judge, judge_wait_s=0.1)
    start = time.perf_counter()
    try:
        [episode] = play(pool, [taught(3)])
    finally:
        pool.close()
    assert time.perf_counter() - start < 1.5  # a step never waited for the judge, the last one 0.1 s at most
    assert episode.success and not any(t.info.get("subgoal_completions") for t in episode.turns)
    assert pool.metrics()["judge_late"] >= 1 and pool.metrics()["judge_questions"] >= 1


def test_judge_verdicts_are_batched_and_cached(serve):
    policy = Scripted(delay_s=0.2)
    judge = LLMJudge(openai(serve(policy)), batch_size=16)
    keys = [judge.submit("find the gold coin", "look", text) for text in
            ["You see a gold coin.", "An empty room.", "A red key.", "You see a gold coin."]]
    assert keys[0] == keys[3] and judge.result(keys[0]) is None  # queued, not waited for
    assert judge.wait(keys, 10.0)
    assert [judge.result(k) for k in keys] == [True, False, False, True]
    again = judge.submit("find the gold coin", "look", "An empty room.")
    assert judge.result(again) is False
    metrics = judge.metrics()
    assert metrics["judge_questions"] == 5 and metrics["judge_cache_hits"] == 1  # the repeat was asked once
    assert metrics["judge_calls"] <= 2 and len(policy.prompts) == 3  # 3 distinct questions; the ones queued meanwhile, in one call
    judge.close()
    assert parse_verdict("YES, it did") and not parse_verdict("No.") and not parse_verdict("I think not, no")
    with pytest.raises(ValueError, match="no yes or no"):
        parse_verdict("maybe")


# LLM teachers that fail ------------------------------------------------------------------------
def test_a_tiny_random_model_answering_garbage_falls_back_to_the_expert_and_is_counted():
    pytest.importorskip("transformers")
    from policies.hf import HFPolicy
    from policies.tiny import offline_tokenizer, tiny_config

    tokenizer = offline_tokenizer(["You are in the hall. go north. take the red key. 1. 2. -"] * 20, "chatml", vocab_size=300)
    model = HFPolicy.from_config(tiny_config(tokenizer, hidden_size=32, layers=1, heads=2), tokenizer, device="cpu", seed=0)
    teacher = LLMTeacher(model, fallback=ExpertTeacher(), max_new_tokens=40)
    pool = toy_pool(teacher, workers=2)
    episodes = play(pool, [taught(3), taught(4)])
    assert all(e.success and e.start_info["subgoal_source"] == "fallback:rubric" for e in episodes)  # training goes on
    assert [e.start_info["subgoals"] for e in episodes] == [[s.text for s in ExpertTeacher().plan(toy_reset(seed)).subgoals]
                                                            for seed in (3, 4)]
    metrics = teacher.metrics()
    assert metrics["llm_unparsable"] == 2 and metrics["llm_fallbacks"] == 2 and metrics["llm_plans"] == 0
    assert any("unparsable" in event for event in teacher.events)


def test_errors_timeouts_and_raising_teachers_fall_back_and_are_counted(serve):
    contexts = [toy_reset(3), toy_reset(4)]
    failing = Scripted(["take the red key"])
    failing.raise_on = "Task:"  # every request: the server answers HTTP 500
    errors = LLMTeacher(openai(serve(failing)), fallback=ExpertTeacher())
    plans = errors.plans(contexts)
    assert [p.source for p in plans] == ["fallback:rubric"] * 2
    assert errors.metrics()["llm_errors"] == 2 and errors.metrics()["llm_fallbacks"] == 2

    slow = LLMTeacher(openai(serve(Scripted(["take the red key"], delay_s=1.0))), timeout_s=0.2)  # no fallback
    start = time.perf_counter()
    assert [p.source for p in slow.plans(contexts)] == ["fallback:none"] * 2
    assert [p.subgoals for p in slow.plans(contexts)] == [[], []]  # the first call is still running: no second one
    assert time.perf_counter() - start < 0.9
    assert slow.metrics()["llm_timeouts"] == 4 and slow.metrics()["llm_fallbacks"] == 4

    unmakeable = LLMTeacher("no-such-kind:model", fallback=ExpertTeacher())
    assert unmakeable.plans(contexts[:1])[0].source == "fallback:rubric" and unmakeable.metrics()["llm_errors"] == 1
    assert "cannot make the policy" in unmakeable.events[0]

    class Broken(ExpertTeacher):
        def plans(self, contexts):
            raise KeyError("a bug in a user's teacher")

    pool = toy_pool(Broken())
    [episode] = play(pool, [taught(3)])
    assert episode.success and episode.start_info["subgoals"] == [] and pool.metrics()["teacher_errors"] == 1


def test_llm_plans_are_cached_per_task_and_a_batch_asks_once_per_task(serve):
    policy = Scripted(["take the red key", "take the gold coin"])
    teacher = LLMTeacher(openai(serve(policy)))
    first, second = toy_reset(3), toy_reset(4)
    plans = teacher.plans([first, second, first, first])  # a group of one task, and another task
    assert len(policy.prompts) == 2 and policy.calls <= 2  # one request per distinct task
    assert [s.text for s in plans[0].subgoals] == ["take the red key", "take the gold coin"]
    assert plans[0].subgoals[0].criterion == "take the red key"  # tied to the rubric: the env decides
    assert sorted(second.observation in p for p in policy.prompts) == [False, True]  # requests go concurrently
    assert all(f"Task: {first.goal}" in p for p in policy.prompts) and any(first.observation in p for p in policy.prompts)
    assert teacher.plans([second])[0].source == "llm" and len(policy.prompts) == 2  # cached
    metrics = teacher.metrics()
    assert metrics["llm_cache_hits"] == 3 and metrics["llm_plans"] == 5 and metrics["llm_fallbacks"] == 0


# the trainer ------------------------------------------------------------------------------------
def train_config(out, teacher: dict, **sections):
    from agentgym.train import load_train_config

    return load_train_config(data={
        "name": "run", "out_dir": str(out), "seed": 3,
        "env": {"id": "toy/keys-v0", "kwargs": {"num_rooms": 2, "num_locks": 1, "num_distractors": 0}, "eval_kwargs": {},
                "eval_seed": 100, "workers": 2, "context": "window", "window_turns": 1, "max_turns": 6},
        "model": {"vocab_size": 300, "hidden_size": 32, "layers": 1, "heads": 2, "corpus_episodes": 2},
        "rl": {"iterations": 2, "tasks_per_iteration": 2, "group_size": 2, "max_new_tokens": 6},
        "eval": {"episodes": 2, "max_new_tokens": 6},
        "log": {"checkpoint_every": 0, "progress": False},
        "teacher": teacher, **sections,
    })


def test_a_teacher_config_that_cannot_run_is_refused_before_any_work(tmp_path):
    pytest.importorskip("torch")
    from agentgym.train import Trainer
    from agentgym.train.teaching import step_limit

    for teacher, message in [
        ({"kind": "oracle"}, "teacher.kind must be one of expert, llm"),
        ({"enabled": True, "kind": "llm"}, 'teacher.kind = "llm" needs teacher.policy'),
        ({"show_anneal": "exp"}, "teacher.show_anneal must be one of linear, cosine, step, constant"),
        ({"show_probability": 1.5}, r"teacher.show_probability must be in \[0, 1\]"),
        ({"sft_show_probability": -0.1}, r"teacher.sft_show_probability must be in \[0, 1\]"),
        ({"show_until": 0}, r"teacher.show_until .* must be in \(0, 1\]"),
        ({"alpha": -1.0}, "teacher.alpha must be a finite number >= 0"),
        ({"judge_timeout_s": 0}, "teacher.judge_timeout_s must be > 0"),
        ({"prompt_template": "Plan {task}"}, "teacher.prompt_template: .*only {goal}"),
        ({"judge_prompt_template": "{verdict}"}, "teacher.judge_prompt_template: .*only {subgoal}"),
        ({"expert_source": "plan"}, "teacher.expert_source must be one of auto, rubric, reference"),
        ({"enabeld": True}, r"unknown TeacherSection key\(s\) \['enabeld'\]"),
    ]:
        with pytest.raises(ConfigError, match=message):
            train_config(tmp_path, teacher)
    with pytest.raises(ConfigError, match="teacher.policy: unknown policy 'gpt4'"):
        Trainer(train_config(tmp_path, {"enabled": True, "kind": "llm", "policy": "gpt4"}))
    with pytest.raises(ConfigError, match="teacher.judge: unknown policy"):
        Trainer(train_config(tmp_path, {"enabled": True, "judge": "claude:x"}))
    assert not (tmp_path / "run").exists()
    assert step_limit(train_config(tmp_path, {})) == 6  # toy's limit is 50, env.max_turns 6
    assert step_limit(train_config(tmp_path, {}, env={"id": "toy/keys-v0", "kwargs": {"max_episode_steps": 4}})) == 4


def test_the_trainer_teaches_rl_episodes_only_and_pays_their_bonus(tmp_path):
    pytest.importorskip("torch")
    from agentgym.train.teaching import Teaching

    env = {"id": "toy/keys-v0", "kwargs": TOY, "max_turns": 20}
    teaching = Teaching(train_config(tmp_path, {"enabled": True, "alpha": 0.5, "show_probability": 0.5}, env=env))
    assert teaching.max_steps == 20
    inner = InProcessPool([EnvFactory("toy/keys-v0", TOY)] * 2)
    assert teaching.wrap(inner, "eval") is inner  # evaluation is never taught
    pool = teaching.wrap(inner, "train")
    specs = teaching.specs([EpisodeSpec("toy/keys-v0", seed) for seed in range(6)], iteration=0)
    assert teaching.probability == 0.5 and [s.options["teacher"]["show"] for s in specs].count(True) in range(1, 6)
    assert teaching.specs(specs, iteration=0) == specs  # the draws come from the run seed and the iteration: a resume redraws them
    assert teaching.specs(specs[:1], iteration=2)[0].options["teacher"] == {"show": False} and teaching.probability == 0.0
    teaching.specs(specs, iteration=0)
    episodes = play(pool, specs, max_turns=20)
    metrics = teaching.shape(episodes)
    for episode in episodes:
        paid = sum(sum(t.shaped_rewards.values()) for t in episode.turns)
        assert paid == pytest.approx(sum(t.info.get("subgoal_bonus", 0.0) for t in episode.turns)) and paid > 0
        assert (MARK in episode.first_observation) is episode.metadata["reset_options"]["teacher"]["show"]
    assert metrics["teacher/completed"] == metrics["teacher/subgoals"] > 0 and metrics["teacher/episodes"] == 6
    assert metrics["teacher/show_probability"] == 0.5 and metrics["teacher/expert_plans"] == 6
    plain = [EpisodeSpec("toy/keys-v0", seed) for seed in range(3)]
    assert teaching.expert_specs(plain) == plain  # the expert's episodes (SFT, corpus) are not taught by default
    shown = Teaching(train_config(tmp_path, {"enabled": True, "sft_show_probability": 1.0}, env=env)).expert_specs(plain)
    assert [s.options for s in shown] == [{"teacher": {"show": True}}] * 3


@pytest.mark.slow
def test_training_episodes_are_taught_with_an_annealed_show_probability_and_evaluation_never_is(tmp_path):
    pytest.importorskip("torch")
    from agentgym.train import train
    from agentgym.trajectory.reader import read_episodes

    train(train_config(tmp_path, {"enabled": True, "alpha": 0.5, "show_until": 0.5}))
    run = tmp_path / "run"
    episodes = list(read_episodes(run))
    rl = [e for e in episodes if e.metadata["phase"] == "rl"]
    evaluation = [e for e in episodes if e.metadata["phase"].startswith("eval")]
    assert len(rl) == 8 and len(evaluation) == 4
    for e in rl:  # iteration 1: p = 1, every episode shows its subgoal; iteration 2: p = 0, none does
        shown = e.metadata["iteration"] == 1
        assert e.metadata["reset_options"] == {"teacher": {"show": shown}} and e.start_info["subgoal_shown"] is shown
        assert e.start_info["subgoals"] == ["take the red key", "unlock the red door", "take the gold coin"]
        assert (MARK in e.first_observation) is shown
        owed = {}
        for turn in e.turns:
            for c in turn.info.get("subgoal_completions", []):
                assert c["bonus"] == pytest.approx(0.5 * (1 - c["steps"] / 6))  # T_max = env.max_turns
                owed[c["turn"]] = owed.get(c["turn"], 0.0) + c["bonus"]
        assert {i: t.shaped_rewards[SUBGOAL_KEY] for i, t in enumerate(e.turns) if SUBGOAL_KEY in t.shaped_rewards} == \
            pytest.approx(owed)
    for e in evaluation:  # never shown, never taught, no bonus
        assert all(MARK not in text for text in [e.first_observation] + [t.observation for t in e.turns])
        assert "subgoals" not in e.start_info and not any(t.shaped_rewards for t in e.turns)
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    metrics = [r for r in records if r["phase"] == "rl"]
    assert [m["teacher/show_probability"] for m in metrics] == [1.0, 0.0]
    assert [m["teacher/shown_rate"] for m in metrics] == [1.0, 0.0]
    assert all(m["teacher/subgoals"] == 3 and m["teacher/episodes"] == 4 * m["step"] for m in metrics)
    assert metrics[-1]["teacher/expert_plans"] == 8
