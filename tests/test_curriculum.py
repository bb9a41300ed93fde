"""Task samplers (agentgym.curriculum): the GMM fitting by hand, ALP by hand, ALP-GMM following a
learning student, the LLM curriculum with real policies (scripted teachers, a tiny transformers
model that answers garbage, a real HTTP endpoint that is down), bad spaces and results, and
state round trips that continue sampling exactly."""

from __future__ import annotations

import json
import logging
import math
import threading
import time

import numpy as np
import pytest

from agentgym.curriculum import (ALPGMM, PROMPT_TEMPLATE, LLMCurriculum, UniformSampler, absolute_learning_progress,
                                 parse_proposals, restrict_space)
from agentgym.curriculum.gmm import (GMM, aic, component_log_densities, fit_best_gmm, fit_gmm, kmeans_plus_plus,
                                     n_free_parameters)
from agentgym.curriculum.llm import check_template
from agentgym.errors import NonFiniteError, TaskSpaceError
from agentgym.policy import Generation
from agentgym.task_space import Choice, FloatRange, IntRange, TaskSpace

SPACE = TaskSpace({"rooms": IntRange(2, 8), "mode": Choice(("a", "b"))})


# GMM: EM, AIC --------------------------------------------------------------------------------
def test_free_parameters_of_a_full_covariance_gmm_by_hand():
    assert n_free_parameters(1, 1) == 2  # a mean and a variance
    assert n_free_parameters(2, 2) == 1 + 4 + 6  # one free weight, 2 means of 2, 2 symmetric 2x2 covariances
    assert n_free_parameters(3, 4) == 2 + 12 + 30


def test_gaussian_log_density_by_hand():
    means, identity = np.zeros((1, 2)), np.eye(2)[None]
    assert component_log_densities(np.zeros((1, 2)), means, identity)[0, 0] == pytest.approx(-math.log(2 * math.pi))
    stretched = np.diag([4.0, 1.0])[None]
    expected = -0.5 * (2 * math.log(2 * math.pi) + math.log(4.0) + 1.0 / 4.0)  # x = (1, 0): x^T Sigma^-1 x = 1/4
    assert component_log_densities(np.array([[1.0, 0.0]]), means, stretched)[0, 0] == pytest.approx(expected)


def test_em_on_one_gaussian_is_the_maximum_likelihood_fit_and_its_aic():
    x = np.array([[-1.0], [1.0], [-1.0], [1.0]])
    gmm = fit_gmm(x, 1, np.random.default_rng(0), reg=0.0)
    # MLE: mean 0, (biased) variance 1; log L = -n/2 (log 2 pi + 1)
    assert gmm.means[0, 0] == pytest.approx(0.0) and gmm.covariances[0, 0, 0] == pytest.approx(1.0)
    log_l = -2 * (math.log(2 * math.pi) + 1)
    assert gmm.log_likelihood == pytest.approx(log_l)
    assert aic(gmm, x) == pytest.approx(2 * 2 - 2 * log_l)
    # the ridge is added to the covariance, as documented
    assert fit_gmm(x, 1, np.random.default_rng(0), reg=0.5).covariances[0, 0, 0] == pytest.approx(1.5)


def test_em_recovers_two_clusters_and_aic_chooses_two():
    rng = np.random.default_rng(0)
    x = np.vstack([rng.normal(0.0, 0.1, (60, 2)), rng.normal(3.0, 0.1, (20, 2))])
    gmm = fit_gmm(x, 2, np.random.default_rng(1))
    order = np.argsort(gmm.means[:, 0])
    assert gmm.converged and gmm.weights[order] == pytest.approx([0.75, 0.25])
    assert np.allclose(gmm.means[order], [[0, 0], [3, 3]], atol=0.05)
    assert np.allclose(gmm.covariances[order[0]], 0.01 * np.eye(2), atol=0.005)
    best, scores = fit_best_gmm(x, range(1, 7), np.random.default_rng(2))
    assert best.n_components == 2 and min(scores, key=scores.get) == 2 and set(scores) == set(range(1, 7))
    assert GMM.from_dict(json.loads(json.dumps(best.to_dict()))).means.tolist() == best.means.tolist()  # exact JSON


def test_kmeans_plus_plus_seeds_spread_out_and_cope_with_repeated_points():
    x = np.vstack([np.zeros((50, 2)), np.full((3, 2), 10.0)])
    for seed in range(10):  # the far cluster is picked second with probability ~1 even though it has 3 points of 53
        centres = kmeans_plus_plus(x, 2, np.random.default_rng(seed))
        assert sorted(centres[:, 0].tolist()) == [0.0, 10.0]
    same = np.ones((5, 3))
    assert kmeans_plus_plus(same, 3, np.random.default_rng(0)).shape == (3, 3)
    best, scores = fit_best_gmm(same, range(2, 11), np.random.default_rng(0))  # one distinct point: K = 1
    assert best.n_components == 1 and list(scores) == [1]
    with pytest.raises(ValueError, match="NaN"):
        fit_gmm(np.array([[0.0], [math.nan]]), 1, np.random.default_rng(0))
    with pytest.raises(ValueError, match="n_components"):
        fit_gmm(np.zeros((2, 1)), 3, np.random.default_rng(0))


# ALP and ALP-GMM -----------------------------------------------------------------------------
def test_absolute_learning_progress_by_hand():
    history, results = np.zeros((0, 1)), np.zeros(0)
    steps = [(0.1, 0.0, 0.0),  # no earlier task: 0
             (0.9, 1.0, 1.0),  # nearest 0.1 (result 0): |1 - 0|
             (0.15, 0.5, 0.5),  # nearest 0.1: |0.5 - 0|
             (0.85, 0.25, 0.75)]  # nearest 0.9 (result 1): |0.25 - 1|
    for task, result, alp in steps:
        assert absolute_learning_progress(history, results, np.array([task]), result) == pytest.approx(alp)
        history, results = np.vstack([history, [task]]), np.append(results, result)
    sampler = ALPGMM(TaskSpace({"x": FloatRange(0.0, 1.0)}), np.random.default_rng(0))
    for task, result, _ in steps:
        sampler.update({"x": task}, result)
    assert sampler.alps.tolist() == pytest.approx([alp for _, _, alp in steps])


def test_alpgmm_bootstraps_uniformly_then_refits_every_fit_rate():
    sampler = ALPGMM(SPACE, np.random.default_rng(0), bootstrap=10, fit_rate=5, max_components=3)
    for i in range(9):
        sampler.update(sampler.sample(), i % 2)
    assert sampler.gmm is None and sampler.metrics()["fits"] == 0
    sampler.update(sampler.sample(), 1.0)
    assert sampler.fits == 1 and sampler.gmm is not None and sampler.gmm.dim == SPACE.dim + 1  # [task ‖ alp]
    assert 2 <= sampler.gmm.n_components <= 3
    for _ in range(5):
        sampler.update(sampler.sample(), 0.0)
    assert sampler.fits == 2 and sampler.metrics()["components"] == sampler.gmm.n_components


class Student:
    """A learner with one skill per unit of ``x``: practising a task of mode ``a`` with ``x < 3``
    raises that skill (``skill += rate * (1 - skill)``), and its result is the skill it had. Mode
    ``b`` is mastered (result 1), mode ``a`` beyond 3 is out of reach (result 0): progress happens
    in 15% of the space only."""

    def __init__(self, rate: float = 0.01) -> None:
        self.skill, self.rate = np.zeros(3), rate

    def play(self, task: dict) -> float:
        if task["mode"] == "b":
            return 1.0
        if task["x"] >= 3:
            return 0.0
        b = int(task["x"])
        result = float(self.skill[b])
        self.skill[b] += self.rate * (1 - self.skill[b])
        return result


def learnable(task: dict) -> bool:
    return task["mode"] == "a" and task["x"] < 3


def test_alpgmm_concentrates_where_the_student_progresses_and_it_learns_faster():
    space = TaskSpace({"x": FloatRange(0.0, 10.0), "mode": Choice(("a", "b"))})
    runs = {}
    for sampler in (ALPGMM(space, np.random.default_rng(0), bootstrap=100, fit_rate=100), UniformSampler(space, np.random.default_rng(0))):
        student, chosen = Student(), []
        for _ in range(600):
            task = sampler.sample()
            assert space.validate(task) == task
            chosen.append(learnable(task))
            sampler.update(task, student.play(task))
        runs[sampler.name] = (float(np.mean(chosen[100:])), float(student.skill.mean()))
    (alp_share, alp_skill), (uniform_share, uniform_skill) = runs["alpgmm"], runs["uniform"]
    assert uniform_share == pytest.approx(0.15, abs=0.05)
    assert alp_share > 0.5 and alp_share > 3 * uniform_share  # measured: 0.82 against 0.14
    assert alp_skill > 1.5 * uniform_skill  # measured: 0.45 against 0.24


def test_alpgmm_samples_mixed_spaces_inside_the_bounds():
    space = TaskSpace({"n": IntRange(1, 5), "w": FloatRange(-1.0, 1.0), "kind": Choice((1, 6, 9))})
    sampler = ALPGMM(space, np.random.default_rng(3), bootstrap=20, fit_rate=20, random_task_ratio=0.0)
    for i in range(120):
        task = sampler.sample()
        assert space.validate(task) == task and isinstance(task["n"], int) and task["kind"] in (1, 6, 9)
        sampler.update(task, float(task["n"] == 3 and i > 40))  # progress on n = 3 appears after a while
    assert sampler.fits == 6


# the LLM curriculum --------------------------------------------------------------------------
class Teacher:
    """A scripted teacher (a real, deterministic policy): it reads the task space and the history
    from the default prompt (the first JSON object and the JSON list after it) and proposes the
    smallest ``rooms`` not yet mastered (mean result < 0.8), in both modes."""

    name = "teacher"

    def __init__(self) -> None:
        self.prompts: list[str] = []

    def generate(self, requests):
        out = []
        for request in requests:
            prompt = request.messages[-1]["content"]
            self.prompts.append(prompt)
            decoder = json.JSONDecoder()
            space, end = decoder.raw_decode(prompt, prompt.index("{"))
            history, _ = decoder.raw_decode(prompt, prompt.index("[", end))
            n = int(prompt.rsplit("JSON list of ", 1)[1].split()[0])
            mastered = [h["task"]["rooms"] for h in history if h["mean_result"] >= 0.8]
            rooms = max(mastered, default=space["rooms"]["low"] - 1) + 1
            tasks = [{"rooms": rooms, "mode": space["mode"]["options"][i % 2]} for i in range(n)]
            out.append(Generation(text=f"Here are the tasks:\n```json\n{json.dumps(tasks)}\n```"))
        return out


class Fixed:
    """A policy that always gives the same answer (a scripted one)."""

    def __init__(self, text: str, delay_s: float = 0.0, error: str | None = None) -> None:
        self.name, self.text, self.delay_s, self.error = "fixed", text, delay_s, error

    def generate(self, requests):
        time.sleep(self.delay_s)
        return [Generation(text=self.text, error=self.error) for _ in requests]


class Raising:
    name = "raising"

    def generate(self, requests):
        raise RuntimeError("the teacher's GPU fell off the bus")


def llm(policy, *, seed: int = 0, **kwargs) -> LLMCurriculum:
    fallback = UniformSampler(SPACE, np.random.default_rng(seed + 1))
    return LLMCurriculum(SPACE, np.random.default_rng(seed), policy=policy, fallback=fallback, **{"batch_size": 4, **kwargs})


def test_llm_proposals_are_used_and_the_prompt_holds_the_space_and_the_results():
    teacher = Teacher()
    sampler = llm(teacher)
    first = [sampler.sample() for _ in range(4)]
    assert first == [{"rooms": 2, "mode": "a"}, {"rooms": 2, "mode": "b"}] * 2
    for task in first:
        sampler.update(task, 1.0)
    assert [sampler.sample() for _ in range(4)][0] == {"rooms": 3, "mode": "a"}  # the teacher saw rooms 2 mastered
    assert json.dumps(SPACE.describe()) in teacher.prompts[0]
    assert '"mean_result": 1.0' in teacher.prompts[1] and '"played": 2' in teacher.prompts[1]
    metrics = sampler.metrics()
    assert metrics["llm_calls"] == 2 and metrics["llm_tasks"] == 8 and metrics["llm_fallbacks"] == 0
    assert len(teacher.prompts) == 2  # one call per batch of 4


def test_out_of_range_proposals_are_clipped_or_rejected_with_the_reason_logged(caplog):
    answer = json.dumps([{"rooms": 99, "mode": "a"}, {"rooms": 3, "bogus": 1}, {"rooms": 3, "mode": "zzz"},
                         {"rooms": 2.5}, "rooms=3", {"rooms": 4}])
    with caplog.at_level(logging.WARNING, logger="agentgym.curriculum.llm"):
        clipping = llm(Fixed(answer), batch_size=6)
        tasks = [clipping.sample() for _ in range(6)]
    assert tasks[:2] == [{"rooms": 8, "mode": "a"}, {"rooms": 4, "mode": "a"}]  # clipped; missing mode = default
    assert all(SPACE.validate(t) == t for t in tasks)
    metrics = clipping.metrics()
    assert (metrics["llm_clipped"], metrics["llm_rejected"], metrics["llm_tasks"], metrics["llm_fallbacks"]) == (1, 4, 2, 4)
    log = caplog.text
    for reason in ("clipped to the bounds: task parameter 'rooms' must be in [2, 8], got 99", "unknown task parameter(s) ['bogus']",
                   "must be one of ['a', 'b'], got 'zzz'", "must be an integer, got 2.5", "must be a mapping"):
        assert reason in log, reason
    assert any("rejected" in e and "bogus" in e for e in clipping.events)
    strict = llm(Fixed(answer), batch_size=6, clip=False)
    [strict.sample() for _ in range(6)]
    assert strict.metrics()["llm_clipped"] == 0 and strict.metrics()["llm_rejected"] == 5
    assert any("rejected" in e and "must be in [2, 8], got 99" in e for e in strict.events)


def test_a_tiny_model_answering_garbage_falls_back_and_is_counted():
    pytest.importorskip("transformers")
    from policies.hf import HFPolicy
    from policies.tiny import offline_tokenizer, tiny_config

    tokenizer = offline_tokenizer(["You are in the hall. go north. take the key."] * 20, "chatml", vocab_size=300)
    model = HFPolicy.from_config(tiny_config(tokenizer, hidden_size=32, layers=1, heads=2), tokenizer, device="cpu", seed=0)
    sampler = llm(model, max_new_tokens=40, temperature=1.0)
    tasks = [sampler.sample() for _ in range(4)]
    assert all(SPACE.validate(t) == t for t in tasks)
    metrics = sampler.metrics()
    assert metrics["llm_unparsable"] == 1 and metrics["llm_fallbacks"] == 4 and metrics["llm_tasks"] == 0


def test_errors_exceptions_and_timeouts_fall_back_and_training_goes_on(caplog):
    failing = llm(Fixed("", error="HTTP 500 after 5 retries"))
    raising = llm(Raising())
    for sampler, kind in ((failing, "llm_errors"), (raising, "llm_errors")):
        tasks = [sampler.sample() for _ in range(4)]
        assert all(SPACE.validate(t) == t for t in tasks)
        assert sampler.metrics()[kind] == 1 and sampler.metrics()["llm_fallbacks"] == 4
    assert "fell off the bus" in caplog.text
    unmakeable = llm("no-such-kind:model")  # a policy name resolved on first use
    assert all(SPACE.validate(unmakeable.sample()) for _ in range(4)) and unmakeable.metrics()["llm_errors"] == 1
    assert "cannot make the policy: PolicyError: unknown policy" in unmakeable.events[0]
    teacher = Fixed(json.dumps([{"rooms": 5}] * 4), delay_s=1.0)
    slow = llm(teacher, timeout_s=0.2)
    start = time.perf_counter()
    [slow.sample() for _ in range(8)]  # two calls: the first times out, the second finds it still running
    assert time.perf_counter() - start < 0.9
    assert slow.metrics()["llm_timeouts"] == 2 and slow.metrics()["llm_fallbacks"] == 8
    time.sleep(1.0)
    teacher.delay_s = 0.0
    assert slow.sample() == {"rooms": 5, "mode": "a"}  # the teacher is used again once it answers in time


def test_an_openai_endpoint_that_is_down_is_an_error_counted_not_a_crash():
    pytest.importorskip("openai")
    import socket

    import agentgym

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    policy = agentgym.make_policy("openai:teacher", base_url=f"http://127.0.0.1:{port}/v1", max_retries=0, timeout=5)
    sampler = llm(policy)
    assert all(SPACE.validate(sampler.sample()) for _ in range(4))
    assert sampler.metrics()["llm_errors"] == 1 and sampler.metrics()["llm_fallbacks"] == 4
    assert any("generation failed" in e for e in sampler.events)


def test_answers_are_parsed_from_prose_fences_and_wrappers():
    assert parse_proposals('Sure! [{"rooms": 3}] hope that helps') == [{"rooms": 3}]
    assert parse_proposals('{"tasks": [{"rooms": 3}, {"rooms": 4}]}') == [{"rooms": 3}, {"rooms": 4}]
    assert parse_proposals('I pick {"rooms": 5}.') == [{"rooms": 5}]
    assert parse_proposals("```json\n[{\"rooms\": 2}]\n```") == [{"rooms": 2}]
    for garbage in ("no idea", "[rooms: 3", ""):
        with pytest.raises(ValueError, match="no JSON list"):
            parse_proposals(garbage)


def test_prompt_templates_can_be_changed_and_bad_ones_are_refused():
    teacher = Fixed(json.dumps([{"rooms": 3, "mode": "b"}]))
    seen = []
    teacher.generate = lambda requests, inner=teacher.generate: (seen.append(requests[0].messages[0]["content"]), inner(requests))[1]
    sampler = llm(teacher, batch_size=1, prompt_template='{{"n": {n}, "space": {task_space}, "recent": {history}}}')
    assert sampler.sample() == {"rooms": 3, "mode": "b"}
    assert json.loads(seen[0]) == {"n": 1, "space": SPACE.describe(), "recent": []}
    assert "{task_space}" in PROMPT_TEMPLATE and "{history}" in PROMPT_TEMPLATE and "{n}" in PROMPT_TEMPLATE
    with pytest.raises(ValueError, match="only {task_space}"):
        check_template("Propose {count} tasks")
    with pytest.raises(ValueError, match="only {task_space}"):
        llm(teacher, prompt_template="{task_space} {")


# bad input -----------------------------------------------------------------------------------
def test_spaces_a_curriculum_cannot_choose_in_are_refused():
    for space in (TaskSpace({"rooms": IntRange(3, 3)}), TaskSpace({"x": FloatRange(0.5, 0.5), "y": FloatRange(0, 1)})):
        for make in (lambda s: UniformSampler(s, np.random.default_rng(0)), lambda s: ALPGMM(s, np.random.default_rng(0))):
            with pytest.raises(TaskSpaceError, match="zero-width bounds"):
                make(space)
    with pytest.raises(TaskSpaceError, match="at least one option"):
        Choice(())
    env_space = TaskSpace({"world_size": IntRange(1, 20), "goal": Choice(("brief", "detailed")), "w": FloatRange(0.0, 1.0)})
    narrow = restrict_space(env_space, {"world_size": [1, 4], "goal": ["brief"]})
    assert narrow.describe() == {"world_size": {"type": "int", "low": 1, "high": 4, "default": 1},
                                 "goal": {"type": "choice", "options": ["brief"], "default": "brief"}}
    for bounds, message in [({"world_size": [3, 3]}, "zero-width"), ({"goal": []}, "non-empty list"),
                            ({"world_size": [0, 4]}, r"curriculum.space.world_size: .*must be in \[1, 20\]"),
                            ({"rooms": [1, 2]}, "unknown task parameter"), ({"goal": ["long"]}, "not options"),
                            ({"world_size": [4, 2]}, "low 4 > high 2"), ({"world_size": [1, 2, 3]}, r"\[low, high\]")]:
        with pytest.raises(TaskSpaceError, match=message):
            restrict_space(env_space, bounds)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_nan_and_infinite_results_are_refused_by_every_sampler(bad):
    for sampler in (UniformSampler(SPACE, np.random.default_rng(0)), ALPGMM(SPACE, np.random.default_rng(0)), llm(Teacher())):
        with pytest.raises(NonFiniteError, match="must be finite"):
            sampler.update({"rooms": 3, "mode": "a"}, bad)
        assert sampler.updates == 0
    with pytest.raises(TypeError, match="real number"):
        UniformSampler(SPACE, np.random.default_rng(0)).update({"rooms": 3, "mode": "a"}, "0.5")
    with pytest.raises(TaskSpaceError, match="must be in"):
        UniformSampler(SPACE, np.random.default_rng(0)).update({"rooms": 30, "mode": "a"}, 0.5)


# state ---------------------------------------------------------------------------------------
def make_samplers(seed: int):
    return [UniformSampler(SPACE, np.random.default_rng(seed)),
            ALPGMM(SPACE, np.random.default_rng(seed), bootstrap=10, fit_rate=10),
            LLMCurriculum(SPACE, np.random.default_rng(seed), policy=Fixed("nothing useful"), batch_size=3,
                          fallback=ALPGMM(SPACE, np.random.default_rng(seed + 1), bootstrap=10, fit_rate=10)),
            LLMCurriculum(SPACE, np.random.default_rng(seed), policy=Teacher(), batch_size=4,
                          fallback=UniformSampler(SPACE, np.random.default_rng(seed + 1)))]


def play(sampler, steps: int) -> list:
    out = []
    for _ in range(steps):
        task = sampler.sample()
        out.append(task)
        sampler.update(task, float(task["rooms"] <= 4 and task["mode"] == "a") * 0.5 + 0.1 * (task["rooms"] % 3))
    return out


def test_a_state_dict_round_trip_gives_the_same_future_samples():
    for original, fresh in zip(make_samplers(0), make_samplers(99)):
        play(original, 25)  # past the first fit; the LLM sampler mid-batch (25 = 8 * 3 + 1)
        state = json.loads(json.dumps(original.state_dict()))  # what a checkpoint holds
        fresh.load_state_dict(state)
        assert play(fresh, 30) == play(original, 30), original.name
        assert fresh.metrics() == original.metrics()
    with pytest.raises(ValueError, match="'uniform' sampler's, not a 'alpgmm'"):
        make_samplers(0)[1].load_state_dict(make_samplers(0)[0].state_dict())


def test_the_teacher_thread_does_not_block_the_caller():
    """A call that hangs leaves a daemon thread behind, so the run (and the interpreter) can end."""
    sampler = llm(Fixed("[]", delay_s=5.0), timeout_s=0.05)
    sampler.sample()
    assert sampler.caller.busy and sampler.caller._busy.daemon and sampler.caller._busy in threading.enumerate()
