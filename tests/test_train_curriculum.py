"""Curricula driving real training runs (tiny model built offline, real envs in worker processes):
ALP-GMM on toy/keys-v0 with an exact resume, the LLM curriculum with a scripted teacher served
over real HTTP (valid, clipped and garbage answers), uniform on TextWorld custom-v0; and the
``[curriculum]`` config refusing what cannot run."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from agentgym.env import TextEnv  # noqa: E402
from agentgym.errors import ConfigError, TaskSpaceError  # noqa: E402
from agentgym.policy import Generation  # noqa: E402
from agentgym.trajectory.reader import read_episodes  # noqa: E402
from agentgym.train import Trainer, load_train_config, train  # noqa: E402

TOY = {"num_rooms": 3, "num_locks": 1, "num_distractors": 0}
TOY_SPACE = {"num_rooms": [2, 5], "num_locks": [0, 2]}


def run_config(out, curriculum, *, iterations: int = 2, env: dict | None = None, **sections):
    return load_train_config(data={
        "name": "run", "out_dir": str(out), "seed": 3,
        "env": {"id": "toy/keys-v0", "kwargs": TOY, "eval_kwargs": {}, "eval_seed": 100, "workers": 2,
                "context": "window", "window_turns": 1, "max_turns": 6, **(env or {})},
        "model": {"vocab_size": 300, "hidden_size": 32, "layers": 1, "heads": 2, "corpus_episodes": 2},
        "rl": {"iterations": iterations, "tasks_per_iteration": 2, "group_size": 2, "max_new_tokens": 6},
        "eval": {"episodes": 1, "max_new_tokens": 6},
        "log": {"checkpoint_every": 1, "keep_checkpoints": 10, "progress": False},
        "curriculum": curriculum, **sections,
    })


def rl_tasks(run) -> list[list[dict]]:
    """The task each RL group played, per iteration (from the trajectories)."""
    by_iteration: dict[int, dict[str, dict]] = {}
    for episode in read_episodes(run):
        if episode.metadata["phase"] == "rl":
            tasks = by_iteration.setdefault(episode.metadata["iteration"], {})
            tasks[episode.group_id] = episode.metadata["reset_options"]["task"]
    return [list(by_iteration[k][g] for g in sorted(by_iteration[k])) for k in sorted(by_iteration)]


def rl_metrics(run) -> list[dict]:
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    return [r for r in records if r["phase"] == "rl"]


def checkpoint_state(run, name: str) -> dict:
    return json.loads((run / "checkpoints" / name / "trainer_state.json").read_text())


@pytest.mark.slow
def test_alpgmm_chooses_the_tasks_of_a_run_and_resume_continues_it_exactly(tmp_path):
    curriculum = {"sampler": "alpgmm", "space": TOY_SPACE, "bootstrap": 2, "fit_rate": 2, "result": "return"}
    train(run_config(tmp_path / "a", curriculum))
    straight = tmp_path / "a" / "run"
    tasks = rl_tasks(straight)
    assert [len(t) for t in tasks] == [2, 2]
    for task in (t for iteration in tasks for t in iteration):
        assert set(task) == {"num_rooms", "num_locks"} and 2 <= task["num_rooms"] <= 5 and 0 <= task["num_locks"] <= 2
    episodes = [e for e in read_episodes(straight) if e.metadata["phase"] == "rl"]
    for e in episodes:  # the env played the curriculum's parameters (its task id spells them out)
        task = e.metadata["reset_options"]["task"]
        assert e.task_id.startswith(f"toy/keys:r{task['num_rooms']}-l{task['num_locks']}-d0-") and e.error is None
    assert len({e.seed for e in episodes}) == 4  # a fresh reset seed per task
    metrics = rl_metrics(straight)
    assert [m["curriculum/updates"] for m in metrics] == [2, 4] and [m["curriculum/fits"] for m in metrics] == [1, 2]
    assert all("curriculum/mean_result" in m and "curriculum/task/num_rooms" in m for m in metrics)
    state = checkpoint_state(straight, "iter-000002")["curriculum"]
    assert state["name"] == "alpgmm" and state["updates"] == 4 and state["gmm"] is not None

    train(run_config(tmp_path / "b", curriculum, iterations=1))
    train(run_config(tmp_path / "b", curriculum), resume=True)
    resumed = tmp_path / "b" / "run"
    assert rl_tasks(resumed) == tasks  # the resumed run sampled what the uninterrupted one did
    assert checkpoint_state(resumed, "iter-000002")["curriculum"] == state
    assert [m["step"] for m in rl_metrics(resumed)] == [1, 2]
    with pytest.raises(ConfigError, match="'alpgmm' sampler's, not a 'uniform' sampler's"):
        train(run_config(tmp_path / "b", {**curriculum, "sampler": "uniform"}, iterations=3), resume=True)


class ServedTeacher:
    """A scripted teacher (a real policy) behind a real OpenAI-compatible HTTP server: its
    prompt is JSON (a user template); the first answer proposes two tasks, one out of range;
    every later answer is prose without JSON."""

    name = "teacher"

    def __init__(self) -> None:
        self.prompts: list[dict] = []

    def generate(self, requests):
        out = []
        for request in requests:
            prompt = json.loads(request.messages[-1]["content"])
            self.prompts.append(prompt)
            if len(self.prompts) == 1:
                low = {name: p["low"] for name, p in prompt["space"].items()}
                text = json.dumps([low, {**low, "num_rooms": 9}][:prompt["n"]])
            else:
                text = "The agent seems to be doing fine; I would keep going."
            out.append(Generation(text=text, prompt_tokens=10, completion_tokens=10))
        return out


@pytest.mark.slow
def test_an_llm_teacher_over_http_chooses_tasks_and_its_garbage_falls_back(tmp_path):
    pytest.importorskip("openai")
    from agentgym.server import PolicyServer

    teacher = ServedTeacher()
    server = PolicyServer(teacher, "teacher", port=0).start()
    try:
        curriculum = {"sampler": "llm", "space": TOY_SPACE, "policy": "openai:teacher", "fallback": "uniform",
                      "policy_kwargs": {"base_url": f"http://127.0.0.1:{server.port}/v1", "max_retries": 0},
                      "prompt_template": '{{"space": {task_space}, "history": {history}, "n": {n}}}'}
        train(run_config(tmp_path, curriculum))
    finally:
        server.shutdown()
    run = tmp_path / "run"
    tasks = rl_tasks(run)
    assert tasks[0] == [{"num_rooms": 2, "num_locks": 0}, {"num_rooms": 5, "num_locks": 0}]  # 9 clipped to 5
    assert len(teacher.prompts) == 2 and teacher.prompts[1]["n"] == 2
    assert {tuple(sorted(h["task"].items())) for h in teacher.prompts[1]["history"]} == {
        (("num_locks", 0), ("num_rooms", 2)), (("num_locks", 0), ("num_rooms", 5))}  # the teacher saw the results
    first, second = rl_metrics(run)
    assert (first["curriculum/llm_tasks"], first["curriculum/llm_clipped"], first["curriculum/llm_fallbacks"]) == (2, 1, 0)
    assert (second["curriculum/llm_unparsable"], second["curriculum/llm_fallbacks"]) == (1, 2)  # training went on
    assert checkpoint_state(run, "iter-000002")["curriculum"]["counts"]["unparsable"] == 1


@pytest.mark.slow
def test_uniform_tasks_on_textworld_custom(tmp_path):
    pytest.importorskip("textworld")
    curriculum = {"sampler": "uniform", "space": {"world_size": [1, 3], "quest_length": [1, 2]}}
    env = {"id": "textworld/custom-v0", "kwargs": {"world_size": 2, "nb_objects": 2, "quest_length": 2}, "eval_kwargs": {},
           "max_turns": 4}
    train(run_config(tmp_path, curriculum, iterations=1, env=env))
    run = tmp_path / "run"
    episodes = [e for e in read_episodes(run) if e.metadata["phase"] == "rl"]
    assert len(episodes) == 4 and all(e.error is None for e in episodes)
    played = {e.group_id: e.metadata["reset_options"]["task"] for e in episodes}
    assert all(1 <= t["world_size"] <= 3 and 1 <= t["quest_length"] <= 2 for t in played.values())
    for group in played:  # one game per task, shared by its group; a different game per task
        assert len({e.task_id for e in episodes if e.group_id == group}) == 1
    assert len({e.task_id for e in episodes}) == 2
    [metrics] = rl_metrics(run)
    assert metrics["curriculum/updates"] == 2 and 0.0 <= metrics["curriculum/mean_result"] <= 1.0


class NoTasks(TextEnv):
    """An env whose family does not generate tasks (no ``task_space``)."""

    def _reset(self, options):
        return "Say done.", {"task_id": "done"}

    def _step(self, action):
        return "ok", 1.0, True, False, {"task_id": "done", "won": True}


def test_a_curriculum_config_that_cannot_run_is_refused_before_any_work(tmp_path, clean_registry):
    clean_registry.register("test/no-tasks-v0", NoTasks)
    config = run_config(tmp_path, {"sampler": "uniform"}, env={"id": "test/no-tasks-v0", "kwargs": {}})
    with pytest.raises(ConfigError, match="test/no-tasks-v0 has none"):
        Trainer(config)
    with pytest.raises(ConfigError, match="curriculum.policy: unknown policy 'gpt4'"):
        Trainer(run_config(tmp_path, {"sampler": "llm", "policy": "gpt4"}))
    assert not (tmp_path / "run").exists()  # refused before the run directory was made
    for curriculum, sections, message in [
        ({"sampler": "alpgmm", "fit_rate": 1}, {}, "curriculum.fit_rate must be >= 2"),
        ({"sampler": "uniform", "temperatur": 0.1}, {}, r"unknown CurriculumSection key\(s\) \['temperatur'\]"),
        ({"sampler": "llm"}, {}, "needs curriculum.policy"),
        ({"sampler": "alp-gmm"}, {}, "curriculum.sampler must be one of none, uniform, alpgmm, llm"),
        ({"sampler": "uniform", "result": "score"}, {}, "curriculum.result must be one of success, return"),
        ({"sampler": "llm", "policy": "random", "prompt_template": "Give {count} tasks"}, {}, "only {task_space}"),
        ({"sampler": "uniform", "space": {"num_rooms": 3}}, {}, "curriculum.space.num_rooms must be a non-empty list"),
    ]:
        with pytest.raises(ConfigError, match=message):
            run_config(tmp_path, curriculum, **sections)
    with pytest.raises(ConfigError, match="set env.train_tasks = 0"):
        run_config(tmp_path, {"sampler": "uniform"}, env={"train_tasks": 4})
    with pytest.raises(TaskSpaceError, match="zero-width bounds"):
        Trainer(run_config(tmp_path, {"sampler": "alpgmm", "space": {"num_rooms": [3, 3]}}))
