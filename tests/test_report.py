"""`agentgym report`: run directories made of real episodes, rendered into one HTML page, checked
as data and in a real headless browser (Debian's chromium through playwright)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

import agentgym
from agentgym.cli.report import report_command
from agentgym.policy import Generation
from agentgym.registry import registry
from agentgym.report import ReportError, load_runs, write_report
from agentgym.report.charts import nice_ticks
from agentgym.report.episodes import embed_json
from agentgym.rollout import RunSettings, run_episodes
from agentgym.trajectory import TrajectoryWriter, read_episodes, summarize

AGENTGYM = str(Path(sys.executable).with_name("agentgym"))
ECHO_ID = "reporttest/echo-v0"
SECRET = "GOLD-PATCH-9f3c-never-in-a-report"
# what an observation may hold: markup, a script-closing tag, an HTML comment opener, entities, quotes, unicode
NASTY = "<b>bold</b> & &amp; \"double\" 'single' </script><script>window.__pwned = 1</script> <!-- ünïcödé 🎲 → 你好"


class EchoEnv(agentgym.TextEnv):
    """Say "win" to win; anything else is echoed back inside hostile markup. Puts a gold secret in
    ``info["reference"]`` on reset, as the SWE env does with its gold patch."""

    def _reset(self, options):
        return f"Task: say win. {NASTY}", {"task_id": f"echo-{int(self.np_random.integers(1000))}", "goal": "say win",
                                            "admissible_actions": ["win", "shout <loud>", "wait"], "expert_action": "win",
                                            "reference": SECRET}

    def _step(self, action):
        won = action == "win"
        reply = "You win!" if won else f"You said: {action} </script><img src=x onerror=\"window.__pwned = 2\">"
        # score NaN: Python's json writes it, a browser's JSON.parse would reject it (it must not reach the page);
        # "completed" as 0/1, not a boolean: summarize counts it all the same (an SWE-style episode metric)
        return reply, float(won), won, False, {"task_id": "echo", "action_valid": action in ("win", "shout <loud>"), "won": won,
                                               "score": float("nan"), "completed": int(won),
                                               "admissible_actions": ["win", "shout <loud>", "wait"], "expert_action": "win"}


class ThinkingPolicy:
    """Picks an admissible action at random and wraps it in reasoning and an <action> tag, as models do."""

    name = "scripted:thinker"

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def generate(self, requests):
        out = []
        for request in requests:
            actions = request.info.get("admissible_actions") or ["look"]
            choice = actions[int(self.rng.integers(len(actions)))]
            out.append(Generation(text=f"I think <{choice}> & then 'act'.\n<action>{choice}</action>"))
        return out


def play(out: Path, env_id: str, policy, *, episodes: int, seed: int, settings: RunSettings | None = None,
         metadata: dict | None = None) -> list:
    """Play real episodes and append them to ``out``'s trajectory store."""
    played = list(run_episodes(lambda: agentgym.make(env_id), policy, env_id=env_id, episodes=episodes, seed=seed,
                               settings=settings, run_id=out.name))
    for episode in played:
        episode.metadata.update(metadata or {})
        if (out / "manifest.json").is_file():  # agentgym eval names each attempt ENTRY@SEED
            episode.group_id = f"{env_id}@{episode.seed}"
    with TrajectoryWriter(out / "trajectories", run_config={"name": out.name}) as writer:
        writer.write_many(played)
    return played


def manifest(out: Path, policy: str, envs: list[tuple[str, int]]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "manifest.json").write_text(json.dumps({
        "kind": "eval", "policy": policy, "model": None, "suite": "mini", "agentgym_version": agentgym.__version__,
        "created": "2026-12-01T10:00:00Z",
        "envs": [{"id": env_id, "name": env_id, "kwargs": {}, "seeds": list(range(n))} for env_id, n in envs]}))


METRICS = [  # the trainer's metrics.jsonl format (agentgym.train.logger), written by hand
    {"phase": "eval", "step": 0, "eval_before/success_rate": 0.25, "eval_before/success_se": 0.1, "eval_before/mean_return": 0.5,
     "eval_before/episodes": 8},
    {"phase": "sft", "step": 1, "sft/loss": 2.0},
    *({"phase": "rl", "step": k, "train/success_rate": 0.3 + 0.1 * k, "train/mean_return": 1.0 + k, "policy/entropy": 0.5}
      for k in range(1, 6)),
    {"phase": "eval", "step": 3, "eval_iter_3/success_rate": 0.5, "eval_iter_3/success_se": 0.12, "eval_iter_3/episodes": 8},
    {"phase": "eval", "step": 5, "eval_after/success_rate": 1.0, "eval_after/success_se": 0.0, "eval_after/mean_return": 4.0,
     "eval_after/episodes": 8},
]


@pytest.fixture(scope="module")
def runs_root(tmp_path_factory):
    """Four runs: two evals (expert, a tag-writing random agent) on two envs, an `agentgym run`
    output of 60 episodes (more than the viewer's default cap), and a training run."""
    saved = registry.snapshot()
    agentgym.register(ECHO_ID, entry_point=EchoEnv, max_episode_steps=4)
    root = tmp_path_factory.mktemp("runs")
    try:
        expert = root / "eval-expert"
        manifest(expert, "expert", [("toy/keys-v0", 12), (ECHO_ID, 6)])
        play(expert, "toy/keys-v0", agentgym.make_policy("expert"), episodes=12, seed=0)
        play(expert, ECHO_ID, agentgym.make_policy("expert"), episodes=6, seed=0)
        # a stale summary.json with wrong numbers: the report must recompute, not read it
        (expert / "summary.json").write_text(json.dumps({"toy/keys-v0": {"success_rate": 0.01}}))

        thinker = root / "eval-thinker"
        manifest(thinker, "scripted:thinker", [("toy/keys-v0", 12), (ECHO_ID, 6)])
        tag = RunSettings(action_format="tag")
        play(thinker, "toy/keys-v0", ThinkingPolicy(1), episodes=12, seed=0, settings=tag)
        play(thinker, ECHO_ID, ThinkingPolicy(2), episodes=6, seed=0, settings=tag)

        out = subprocess.run([AGENTGYM, "run", "toy/keys-v0", "--policy", "random", "--episodes", "60", "--seed", "100",
                              "--out", str(root / "run-random")], capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr

        train = root / "train-demo"
        play(train, "toy/keys-v0", agentgym.make_policy("random", seed=0), episodes=8, seed=500, metadata={"phase": "eval_before", "iteration": 0})
        play(train, "toy/keys-v0", agentgym.make_policy("random", seed=1), episodes=10, seed=0, metadata={"phase": "rl", "iteration": 1})
        play(train, "toy/keys-v0", agentgym.make_policy("expert"), episodes=8, seed=500, metadata={"phase": "eval_after", "iteration": 5})
        (train / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in METRICS))
        (train / "config.toml").write_text('name = "train-demo"\n[env]\nid = "toy/keys-v0"\n')
        yield root
    finally:
        registry.restore(saved)


@pytest.fixture(scope="module")
def report(runs_root, tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "report.html"
    write_report([runs_root / "eval-expert", runs_root / "eval-thinker", runs_root / "run-random", runs_root / "train-demo"], path)
    return path


def expected_rows(root: Path) -> dict[tuple[str, str], dict]:
    """(run label, env) → summarize() of that run's episodes on that env, straight from the store."""
    rows = {}
    for name in ("eval-expert", "eval-thinker", "run-random"):
        episodes = read_episodes(root / name)
        for env in {e.env_id for e in episodes}:
            rows[(name, env)] = summarize([e for e in episodes if e.env_id == env])
        if name.startswith("eval"):  # a suite on two envs: one more row, pooling both
            rows[(f"{name}|suite", "mini (2 envs)")] = summarize(episodes)
    episodes = read_episodes(root / "train-demo")
    for phase, stage in (("eval_before", "before training"), ("eval_after", "after RL")):
        rows[(f"train-demo|{stage}", "toy/keys-v0")] = summarize([e for e in episodes if e.metadata["phase"] == phase])
    return rows


def viewer_json(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="episode-data">(.*?)</script>', html, re.DOTALL)
    assert match, "no episode data block"
    return json.loads(match.group(1))


def test_runs_load_with_statistics_recomputed_from_episodes(runs_root):
    runs = {r.label: r for r in load_runs([runs_root])}  # the parent directory stands for the runs in it
    assert sorted(runs) == ["eval-expert", "eval-thinker", "run-random", "train-demo"]
    assert [runs[n].kind for n in sorted(runs)] == ["eval", "eval", "run", "train"]
    assert runs["eval-thinker"].policy == "scripted:thinker" and runs["eval-thinker"].suite == "mini"
    assert runs["run-random"].policy == "random" and runs["run-random"].envs == ["toy/keys-v0"]
    expected = expected_rows(runs_root)
    for label in ("eval-expert", "eval-thinker", "run-random"):
        for group in runs[label].groups:
            assert group.ranked and group.summary == expected[(label, group.env_id)]
    assert runs["eval-expert"].groups[0].summary["success_rate"] == 1.0  # not the stale summary.json's 0.01
    assert runs["eval-expert"].groups[1].summary["completion_rate"] == 1.0
    assert [g.env_id for g in runs["eval-expert"].groups] == ["toy/keys-v0", ECHO_ID]  # the manifest's order
    train = runs["train-demo"]
    assert [(g.stage, g.ranked, len(g.episodes)) for g in train.groups] == [
        ("before training", True, 8), ("after RL", True, 8), ("RL training", False, 10)]
    assert train.curves.steps == [1, 2, 3, 4, 5] and train.curves.success[0] == pytest.approx(0.4)
    assert [p.key for p in train.curves.evals] == ["eval_before", "eval_iter_3", "eval_after"]
    # texts read for the first 2 episodes of a group only; the statistics stay exactly those of all episodes
    light = {r.label: r for r in load_runs([runs_root], full_per_group=2)}
    for label, run in runs.items():
        assert [g.summary for g in light[label].groups] == [g.summary for g in run.groups]
        for group in light[label].groups:
            assert all(e.first_observation for e in group.episodes[:2])
            assert not any(e.first_observation or t.observation for e in group.episodes[2:] for t in e.turns)


def test_page_is_self_contained_escaped_and_free_of_gold_data(report, runs_root):
    html = report.read_text(encoding="utf-8")
    assert not re.search(r"\b(src|href)=\"(?!#)", html), "the page must load nothing: no src/href but in-page anchors"
    assert "http://" not in html and "https://" not in html and "@import" not in html
    assert html.count("<script") == 2 and html.count("</script>") == 2  # data + code: no observation closed or opened one
    assert "<script>window.__pwned" not in html and "<img" not in html
    assert "onerror=" not in html.split('id="episode-data">')[0]  # nothing from an episode is markup in the page
    assert SECRET not in html  # info["reference"] (gold) is never embedded
    toy_reference = read_episodes(runs_root / "eval-expert")[0].start_info["reference"]
    assert toy_reference not in html
    data = viewer_json(html)
    by_run = {r["label"]: r for r in data["runs"]}
    echo = next(g for g in by_run["eval-thinker"]["groups"] if g["env"] == ECHO_ID)
    first = echo["episodes"][0]
    assert first["first"] == f"Task: say win. {NASTY}"  # round-trips exactly: markup, entities, quotes, unicode
    assert first["steps"][0]["m"].startswith("I think <") and first["steps"][0]["m"].endswith("</action>")
    assert all("m" not in s for g in by_run["eval-expert"]["groups"] for e in g["episodes"] for s in e["steps"])
    played = read_episodes(runs_root / "eval-thinker")
    echo_played = [e for e in played if e.env_id == ECHO_ID][0]
    assert [s["a"] for s in first["steps"]] == [t.action for t in echo_played.turns]
    assert [s.get("v") for s in first["steps"]] == [t.info["action_valid"] for t in echo_played.turns]
    # the viewer caps at 50 per run × env and says so
    random_group = by_run["run-random"]["groups"][0]
    assert random_group["total"] == 60 and len(random_group["episodes"]) == 50
    assert "10 episodes in 1 group are not shown" in html
    assert embed_json({"x": "</script><!--&"}) == '{"x":"\\u003c/script\\u003e\\u003c!--\\u0026"}'


def test_max_episodes_caps_the_viewer_not_the_statistics(runs_root, tmp_path):
    path = write_report([runs_root], tmp_path / "deep" / "small.html", max_episodes=3)
    html = path.read_text(encoding="utf-8")
    data = viewer_json(html)
    assert data["max_episodes"] == 3
    assert all(len(g["episodes"]) == min(3, g["total"]) for r in data["runs"] for g in r["groups"])
    assert "embeds the first 3 episodes" in html
    table = LeaderboardParser.parse(html)
    assert {(r["run"], r["episodes"]) for r in table if r["run"] == "run-random"} == {("run-random", "60")}
    assert {r["episodes"] for r in table if r["run"] == "eval-expert|suite"} == {"18"}
    big = write_report([runs_root], tmp_path / "big.html")
    assert path.stat().st_size < big.stat().st_size
    odd = tmp_path / 'a<b>&"c'  # labels come from directory names: markup there is text on the page
    shutil.copytree(runs_root / "eval-expert", odd)
    html = write_report([odd], tmp_path / "odd.html").read_text(encoding="utf-8")
    assert "a&lt;b&gt;&amp;&quot;c" in html and "a<b>" not in html


class LeaderboardParser(HTMLParser):
    """The leaderboard's rows as dicts of column → text (a plain parse, no browser)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, str]] = []
        self.columns: list[str] = []
        self.inside = False
        self.cell: list[str] | None = None
        self.row: list[str] = []
        self.stage = False

    @classmethod
    def parse(cls, html: str) -> list[dict[str, str]]:
        parser = cls()
        parser.feed(html)
        return parser.rows

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id") == "leaderboard-table":
            self.inside = True
        elif self.inside and tag in ("td", "th"):
            self.cell = []
        elif self.inside and tag == "span" and attrs.get("class") == "stage":
            self.cell.append("|")

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if tag in ("td", "th"):
            self.row.append(" ".join("".join(self.cell).split()).replace(" |", "|"))
            self.cell = None
        elif tag == "tr":
            if not self.columns:
                self.columns = self.row
            else:
                self.rows.append(dict(zip(self.columns, self.row)))
            self.row = []
        elif tag == "table":
            self.inside = False

    def handle_data(self, data):
        if self.inside and self.cell is not None:
            self.cell.append(data)


def test_bad_inputs_are_refused_before_anything_is_written(runs_root, tmp_path):
    out = tmp_path / "r.html"
    empty = tmp_path / "empty"
    empty.mkdir()
    (tmp_path / "not-a-dir.txt").write_text("x")
    no_episodes = tmp_path / "no-episodes"
    (no_episodes / "trajectories").mkdir(parents=True)
    cases = [
        ([], "no run directory given"),
        ([tmp_path / "missing"], "does not exist"),
        ([tmp_path / "not-a-dir.txt"], "is not a directory"),
        ([empty], "holds no run"),
        ([no_episodes], "holds no episodes yet"),
        ([runs_root / "eval-expert", empty], "holds no run"),
    ]
    for dirs, message in cases:
        with pytest.raises(ReportError, match=message):
            write_report(dirs, out)
    broken = tmp_path / "broken"
    shutil.copytree(runs_root / "eval-expert", broken)
    (broken / "manifest.json").write_text("{not json")
    with pytest.raises(ReportError, match=r"manifest.json is not readable JSON"):
        write_report([broken], out)
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ReportError, match="max_episodes must be a positive integer"):
            write_report([runs_root / "eval-expert"], out, max_episodes=bad)
    with pytest.raises(ReportError, match="is a directory"):
        write_report([runs_root / "eval-expert"], tmp_path)
    assert not out.exists() and isinstance(ReportError("x"), agentgym.AgentGymError)


def test_metrics_file_cut_short_or_corrupt(runs_root, tmp_path):
    run = tmp_path / "killed"
    shutil.copytree(runs_root / "train-demo", run)
    lines = [json.dumps(r) for r in METRICS]
    (run / "metrics.jsonl").write_text("\n".join(lines) + '\n{"phase": "rl", "st')  # killed mid-line
    html = write_report([run], tmp_path / "ok.html").read_text(encoding="utf-8")
    assert "was cut short" in html and html.count("curve-card\"") == 1
    (run / "metrics.jsonl").write_text("\n".join(lines[:2] + ["garbage"] + lines[2:]) + "\n")
    with pytest.raises(ReportError, match=r"metrics.jsonl, line 3: .*one JSON object with 'phase' and 'step'"):
        write_report([run], tmp_path / "bad.html")
    assert not (tmp_path / "bad.html").exists()
    curves_only = tmp_path / "curves-only"  # a run killed before its first evaluation finished: curves, no episodes
    curves_only.mkdir()
    (curves_only / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in METRICS[1:4]))
    html = write_report([curves_only], tmp_path / "curves.html").read_text(encoding="utf-8")
    assert 'data-points="2"' in html and "No evaluated episodes" in html


def test_charts_have_one_mark_per_row_and_curve_point(report):
    html = report.read_text(encoding="utf-8")
    rows = LeaderboardParser.parse(html)
    assert len(rows) == 2 * 3 + 1 + 2  # two evals × (two envs + their suite), one run, the training run's two evaluations
    assert [r["environment"] for r in rows[:3]] == ["mini (2 envs)", "toy/keys-v0", ECHO_ID]
    rows = [r for r in rows if "|suite" not in r["run"]]  # suite rows are not plotted
    section = lambda name: re.search(rf'<section id="{name}">(.*?)</section>', html, re.DOTALL).group(1)  # noqa: E731
    bars = section("by-env")
    assert bars.count('<g class="bar"') == len(rows)
    scatter = section("turns")
    assert scatter.count('<g class="pt"') == len(rows)
    curves = section("curves")
    assert curves.count('data-points="5"') == 2  # success and return over the five RL iterations
    assert curves.count('<g class="pt"') == 3 + 2  # three evals with success, two with a mean return
    assert nice_ticks(0, 1) == [0, 0.2, 0.4, 0.6, 0.8, 1.0] and nice_ticks(0, 37.5) == [0, 10, 20, 30, 40]


def test_cli_writes_report_html_by_default(runs_root, tmp_path, monkeypatch):
    app = typer.Typer()
    app.command("report")(report_command)
    app.command("noop")(lambda: None)  # two commands, so "report" is a subcommand as in agentgym's app
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(app, ["report", str(runs_root / "eval-expert"), str(runs_root / "train-demo")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "report.html").is_file() and "report.html" in result.output and "2 runs" in result.output
    result = runner.invoke(app, ["report", str(runs_root / "run-random"), "--out", "sub/r.html", "--max-episodes", "5"])
    assert result.exit_code == 0, result.output
    assert len(viewer_json((tmp_path / "sub" / "r.html").read_text())["runs"][0]["groups"][0]["episodes"]) == 5
    result = runner.invoke(app, ["report", str(runs_root / "eval-expert"), "--out", "sub"])  # a directory: report.html in it
    assert result.exit_code == 0 and (tmp_path / "sub" / "report.html").is_file()
    result = runner.invoke(app, ["report", str(tmp_path / "nothing-here")])
    assert result.exit_code != 0 and isinstance(result.exception, ReportError)
    assert "does not exist" in str(result.exception)


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("no chromium on PATH (apt-get install chromium; .ci/run installs it)")
    return path


@pytest.mark.slow
def test_page_in_a_real_browser(report, runs_root, tmp_path):
    playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the dev extra")
    executable = chromium()
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    expected = expected_rows(runs_root)
    problems: list[str] = []
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 900})
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
            page.on("request", lambda r: problems.append(f"request: {r.url}") if not r.url.startswith("file:") else None)
            page.goto(report.as_uri())

            rows = page.eval_on_selector_all("#leaderboard-table tbody tr", """rows => rows.map(r => ({
                run: r.dataset.run, env: r.dataset.env, stage: (r.querySelector('.stage') || {}).textContent || '',
                episodes: r.cells[3].textContent, success: Number(r.cells[4].dataset.sort), se: Number(r.cells[4].dataset.se),
                ret: r.cells[5].textContent, turns: r.cells[6].textContent, valid: r.cells[7].textContent,
                errors: r.cells[8].textContent}))""")
            assert len(rows) == len(expected) == 9
            for row in rows:
                key = (row["run"] + (f"|{row['stage']}" if row["stage"] else ""), row["env"])
                s = expected[key]
                assert row["episodes"] == str(s["episodes"])
                assert row["success"] == pytest.approx(s["success_rate"], abs=1e-6)
                assert row["se"] == pytest.approx(s["success_se"], abs=1e-6)
                assert row["ret"] == f"{s['mean_return']:.2f}" and row["turns"] == f"{s['mean_turns']:.1f}"
                assert row["valid"] == f"{s['valid_action_rate']:.1%}" and row["errors"] == str(s["errors"])

            # sorting: a click on "success" puts the best first, a second click the worst
            page.click("#leaderboard-table th:nth-child(5)")
            first = page.eval_on_selector_all("#leaderboard-table tbody tr", "rs => rs.map(r => Number(r.cells[4].dataset.sort))")
            assert first == sorted(first, reverse=True)
            page.click("#leaderboard-table th:nth-child(5)")
            again = page.eval_on_selector_all("#leaderboard-table tbody tr", "rs => rs.map(r => Number(r.cells[4].dataset.sort))")
            assert again == sorted(again)

            assert page.locator("#chart-success svg .bar rect").count() == 7
            bars = page.eval_on_selector_all("#chart-success svg .bar", "gs => gs.map(g => [Number(g.dataset.value), "
                                             "g.querySelector('rect').getBBox().width])")
            full = max(width for value, width in bars if value == 1.0)  # the expert's 100% bars
            assert all(abs(width - value * full) < 2 for value, width in bars)  # a bar's length is its success rate
            assert page.locator("#chart-turns svg .pt").count() == 7
            assert page.locator(".curve-card svg polyline").count() == 2

            # the episode viewer: pick the thinker's echo episodes, open the first, read turn 1
            page.select_option("#ev-run", label="eval-thinker")
            page.select_option("#ev-group", label=f"{ECHO_ID} (6)")
            page.click("#ev-list button.ep >> nth=0")
            thinker_echo = [e for e in read_episodes(runs_root / "eval-thinker") if e.env_id == ECHO_ID][0]
            assert page.inner_text("#ev-detail .turn.start pre.obs") == thinker_echo.first_observation
            first_turn = page.locator("#ev-detail .turn:not(.start)").first
            assert first_turn.locator("code.action").inner_text() == thinker_echo.turns[0].action
            assert first_turn.locator("pre.obs").inner_text() == thinker_echo.turns[0].observation
            first_turn.locator("details.raw summary").click()
            assert first_turn.locator("details.raw pre").inner_text() == thinker_echo.turns[0].raw_output
            assert page.evaluate("window.__pwned === undefined")  # observations shown as text, never run
            assert page.locator("#ev-detail img").count() == 0

            page.select_option("#ev-run", label="run-random")
            assert "first 50 of 60 episodes" in page.inner_text("#ev-note")
            page.select_option("#ev-filter", "solved")
            marks = page.eval_on_selector_all("#ev-list button.ep .mark", "ms => ms.map(m => m.textContent)")
            assert marks and set(marks) == {"✓"}
            page.keyboard.press("j")
            assert page.locator("#ev-list button.ep.active").inner_text().startswith("✓")

            page.select_option("#ev-run", label="eval-thinker")
            page.goto(report.as_uri() + "#leaderboard")
            shot = tmp_path / "report.png"
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert problems == []
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width == 1360 and height > 2000  # the whole page: leaderboard, charts, curves, viewer
    if os.environ.get("AGENTGYM_REPORT_SCREENSHOT"):  # to look at the page: copy the screenshot out
        shutil.copy(shot, os.environ["AGENTGYM_REPORT_SCREENSHOT"])
