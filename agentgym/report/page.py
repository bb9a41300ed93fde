"""The report's HTML: one self-contained page (inline CSS, inline SVG, inline script and data).

Every text that comes from a run (labels, env ids, policy names) goes through
:func:`html.escape`; episode texts travel as escaped JSON (:func:`embed_json`) and are put into
the page by the script as text nodes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from html import escape
from typing import Any

from agentgym.report import charts
from agentgym.report.charts import Bar, Line, Point
from agentgym.report.episodes import EmbedStats, embed_json
from agentgym.report.runs import EpisodeGroup, Run
from agentgym.report.script import SCRIPT
from agentgym.trajectory.summary import summarize
from agentgym.report.style import STYLE
from agentgym.version import __version__

EVAL_SHAPES = {"eval_before": ("circle", False), "eval_sft": ("square", True), "eval_after": ("diamond", True)}
RL_COLOR, EVAL_COLOR = charts.PALETTE[0], charts.PALETTE[1]
SWE_COLUMNS = (("completion_rate", "submitted"), ("modification_rate", "changed"), ("resolution_rate", "resolved"))


@dataclass
class Row:
    """A leaderboard row: one ranked episode group of a run, with its chart series."""

    run: Run
    group: EpisodeGroup
    series: int
    pooled: bool = False  # a suite's row: every env of the run pooled; not plotted

    @property
    def series_label(self) -> str:
        return f"{self.run.label} · {self.group.stage}" if self.group.stage and not self.pooled else self.run.label


def leaderboard_rows(runs: list[Run]) -> list[Row]:
    """The ranked groups in run order; each (run, stage) is one chart series with its own colour.

    An eval run of a suite on several envs gets a first row pooling all its episodes (the
    suite's headline number; with the same seeds per env, the mean of the envs' success rates).
    """
    rows: list[Row] = []
    series: dict[tuple[str, str], int] = {}
    for run in runs:
        ranked = [g for g in run.groups if g.ranked and g.episodes]
        if run.suite and len({g.env_id for g in ranked}) > 1 and all(not g.stage for g in ranked):
            episodes = [e for g in ranked for e in g.episodes]
            suite = EpisodeGroup(f"{run.suite} ({len(ranked)} envs)", "suite", (0, 0), True, episodes, summarize(episodes))
            rows.append(Row(run, suite, series.setdefault((run.label, ""), len(series)), pooled=True))
        for group in ranked:
            rows.append(Row(run, group, series.setdefault((run.label, group.stage), len(series))))
    return rows


def render(runs: list[Run], viewer: dict[str, Any], stats: EmbedStats, *, title: str = "agentgym report") -> str:
    """The whole page."""
    rows = leaderboard_rows(runs)
    plotted = [r for r in rows if not r.pooled]
    envs = list(dict.fromkeys(r.group.env_id for r in plotted))
    trained = [r for r in runs if r.curves is not None and not r.curves.empty]
    generated = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    sections = [
        ("leaderboard", "Leaderboard", _leaderboard(rows)),
        ("by-env", "Success by environment", _bars(plotted, envs)),
        ("turns", "Success vs. turns", _scatter(plotted, envs)),
    ]
    if trained:
        sections.append(("curves", "Learning curves", _curves(trained)))
    sections += [("episodes", "Episodes", _viewer(viewer, stats)), ("runs", "Runs", _runs_table(runs))]
    nav = "".join(f'<a href="#{key}">{escape(name)}</a>' for key, name, _ in sections)
    body = "".join(f'<section id="{key}">{html}</section>' for key, _, html in sections)
    total = sum(r.num_episodes for r in runs)
    all_envs = {g.env_id for r in runs for g in r.groups}
    cards = [(len(runs), "runs" if len(runs) != 1 else "run"), (len(all_envs), "environments" if len(all_envs) != 1 else "environment"),
             (f"{total:,}", "episodes")] + ([(len(trained), "training runs with curves")] if trained else [])
    notes = [f"{escape(r.label)}: {escape(note)}" for r in runs for note in r.notes]
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="agentgym {escape(__version__)}">
<title>{escape(title)}</title>
<style>{STYLE}</style>
</head>
<body>
<header><h1><span class="brand">agentgym</span> report</h1>
<div class="meta">generated {generated} · agentgym {escape(__version__)}</div></header>
<nav>{nav}</nav>
<div class="stats">{"".join(f'<div class="stat"><b>{value}</b><span>{escape(label)}</span></div>' for value, label in cards)}</div>
{"".join(f'<div class="notice">{note}</div>' for note in notes)}
{body}
<footer>Statistics are recomputed from the episodes in each run's trajectory store. Success ± binomial standard
error sqrt(p(1−p)/n); return and turns are means per episode; valid is the share of actions the env understood.
Self-contained: this file needs no network to view.</footer>
<script type="application/json" id="episode-data">{embed_json(viewer)}</script>
<script>{SCRIPT}</script>
</body>
</html>
"""


def _leaderboard(rows: list[Row]) -> str:
    lead = ('<p class="lead">One row per run and environment (training runs: per evaluation). '
            "Click a column header to sort.</p>")
    if not rows:
        return '<h2>Leaderboard</h2><p class="lead">No evaluated episodes in these runs.</p>'
    best: dict[str, float] = {}
    for r in rows:  # the best of each env (and of each suite)
        rate = r.group.summary["success_rate"]
        best[r.group.env_id] = max(best.get(r.group.env_id, -1.0), rate)
    contenders = {env: sum(1 for r in rows if r.group.env_id == env) for env in best}
    # SWE-style episode metrics, where any row reports them (agentgym.trajectory.summary.SWE_RATES)
    extra = [(key, label) for key, label in SWE_COLUMNS if any(key in r.group.summary for r in rows)]
    head = "".join(f'<th class="{"num" if numeric else ""}" scope="col">{name}</th>' for name, numeric in (
        ("run", False), ("policy", False), ("environment", False), ("episodes", True), ("success", True),
        ("return", True), ("turns", True), ("valid", True), ("errors", True),
        *((label, True) for _, label in extra)))
    body = []
    for r in rows:
        s = r.group.summary
        rate, se = s["success_rate"], s["success_se"]
        is_best = contenders[r.group.env_id] > 1 and rate == best[r.group.env_id]
        stage = f'<span class="stage">{escape(r.group.stage)}</span>' if r.group.stage else ""
        valid = s["valid_action_rate"]
        row_class = ' class="suite-row"' if r.pooled else ""
        body.append(
            f'<tr data-run="{escape(r.run.label)}" data-env="{escape(r.group.env_id)}"{row_class}>'
            f'<td class="run" data-sort="{escape(r.series_label)}"><span class="dot" style="background:{charts.color(r.series)}"></span>'
            f'{escape(r.run.label)}{stage}</td>'
            f'<td>{escape(r.run.policy)}</td><td class="mono">{escape(r.group.env_id)}</td>'
            f'<td class="num">{s["episodes"]:,}</td>'
            f'<td class="num success{" best" if is_best else ""}" data-sort="{rate:.6f}" data-se="{se:.6f}">'
            f'<span class="v">{_pct(rate)}</span><span class="se">± {_pct(se)}</span>'
            f'<div class="meter"><i style="width:{rate * 100:.1f}%;background:{charts.color(r.series)}"></i></div></td>'
            f'<td class="num" data-sort="{s["mean_return"]:.6f}">{s["mean_return"]:.2f}</td>'
            f'<td class="num" data-sort="{s["mean_turns"]:.6f}">{s["mean_turns"]:.1f}</td>'
            f'<td class="num" data-sort="{"" if valid is None else f"{valid:.6f}"}">{"–" if valid is None else _pct(valid)}</td>'
            f'<td class="num{" muted" if not s["errors"] else ""}">{s["errors"]}</td>'
            + "".join(f'<td class="num" data-sort="{s[key] if key in s else ""}">{_pct(s.get(key))}</td>' for key, _ in extra)
            + "</tr>")
    return (f'<h2>Leaderboard</h2>{lead}<div class="table-wrap"><table class="sortable" id="leaderboard-table">'
            f'<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody>'
            '<caption>success ± binomial standard error (the best of an environment with several rows in green); return, turns: '
            "means per episode; valid: share of actions the env understood; errors: episodes ended by an env or worker error"
            + ("; a suite row pools the episodes of all its envs" if any(r.pooled for r in rows) else "")
            + ("; submitted / changed / resolved: shares of the episodes that report them (SWE: submitted a patch, "
               "changed the repository, the hidden tests pass)" if extra else "")
            + "</caption></table></div>")


def _series_legend(rows: list[Row]) -> str:
    seen = dict.fromkeys((r.series, r.series_label) for r in rows)
    return '<div class="legend">' + "".join(
        f'<span><i class="box" style="background:{charts.color(i)}"></i>{escape(label)}</span>' for i, label in seen) + "</div>"


def _bars(rows: list[Row], envs: list[str]) -> str:
    lead = '<p class="lead">Success rate per environment, one bar per run; whiskers are ±1 standard error.</p>'
    if not rows:
        return f"<h2>Success by environment</h2>{lead}<p class=\"muted\">Nothing to plot.</p>"
    bars = [Bar(envs.index(r.group.env_id), r.series, r.group.summary["success_rate"], r.group.summary["success_se"],
                f"{r.series_label} on {r.group.env_id}: {_pct(r.group.summary['success_rate'])} "
                f"± {_pct(r.group.summary['success_se'])} ({r.group.summary['episodes']} episodes)") for r in rows]
    chart = charts.success_bars(envs, bars)
    return f'<h2>Success by environment</h2>{lead}<div class="card" id="chart-success">{_series_legend(rows)}{chart}</div>'


def _scatter(rows: list[Row], envs: list[str]) -> str:
    lead = ('<p class="lead">Each point is one run on one environment: its mean episode length against its success '
            "rate (±1 standard error). Agents that win quickly sit top left.</p>")
    if not rows:
        return f"<h2>Success vs. turns</h2>{lead}<p class=\"muted\">Nothing to plot.</p>"
    shape = {env: charts.SHAPES[i % len(charts.SHAPES)] for i, env in enumerate(envs)}
    points = [Point(r.group.summary["mean_turns"], r.group.summary["success_rate"], r.group.summary["success_se"],
                    charts.color(r.series), shape[r.group.env_id],
                    f"{r.series_label} on {r.group.env_id}: {_pct(r.group.summary['success_rate'])} success, "
                    f"{r.group.summary['mean_turns']:.1f} turns") for r in rows]
    chart = charts.scatter(points, x_label="mean turns per episode", y_label="success rate", title="success vs. turns",
                           size=(1100.0, 320.0))
    env_legend = '<div class="legend">' + "".join(
        f'<span>{charts.legend_swatch(shape[env], "var(--muted)")}<span class="mono">{escape(env)}</span></span>' for env in envs) + "</div>"
    return (f'<h2>Success vs. turns</h2>{lead}<div class="card" id="chart-turns">{_series_legend(rows)}{env_legend}'
            f'{chart}</div>')


def _curves(runs: list[Run]) -> str:
    lead = ('<p class="lead">From each training run\'s <code>metrics.jsonl</code>: the success rate and mean return of the '
            "episodes sampled in each RL iteration (line), and the held-out evaluations (markers, ±1 standard error).</p>")
    cards = []
    for run in runs:
        c = run.curves
        assert c is not None
        legend = [charts.legend_swatch("", RL_COLOR, line=True) + "RL iteration (sampled episodes)"]
        markers_success, markers_return = [], []
        kinds: dict[str, str] = {}
        for p in c.evals:
            shape, filled = EVAL_SHAPES.get(p.key, ("circle", True))
            kinds.setdefault(p.key if p.key in EVAL_SHAPES else "eval_iter", p.label if p.key in EVAL_SHAPES else "evaluation during RL")
            what = f"{p.label} (iteration {p.step}, {p.episodes if p.episodes is not None else '?'} episodes)"
            if p.success_rate is not None:
                markers_success.append(Point(p.step, p.success_rate, p.success_se or 0.0, EVAL_COLOR, shape,
                                             f"{what}: {_pct(p.success_rate)} ± {_pct(p.success_se or 0.0)}", filled))
            if p.mean_return is not None:
                markers_return.append(Point(p.step, p.mean_return, 0.0, EVAL_COLOR, shape, f"{what}: return {p.mean_return:.2f}", filled))
        for key, label in kinds.items():
            shape, filled = EVAL_SHAPES.get(key, ("circle", True))
            legend.append(charts.legend_swatch(shape, EVAL_COLOR, filled=filled) + escape(label))
        success = charts.scatter(markers_success, lines=[Line(c.steps, c.success, RL_COLOR, "RL iteration: success rate of sampled episodes")],
                                 x_label="RL iteration", y_label="success rate", title=f"{run.label}: success rate")
        returns = charts.scatter(markers_return, lines=[Line(c.steps, c.returns, RL_COLOR, "RL iteration: mean return of sampled episodes")],
                                 x_label="RL iteration", y_label="mean return", title=f"{run.label}: mean return",
                                 y_range=None, y_percent=False)
        table = ""
        if c.evals:
            table = ('<table class="evals"><thead><tr><th>evaluation</th><th class="num">iteration</th><th class="num">success</th>'
                     '<th class="num">mean return</th><th class="num">episodes</th></tr></thead><tbody>' + "".join(
                         f'<tr><td>{escape(p.label)}</td><td class="num">{p.step}</td>'
                         f'<td class="num">{_pct(p.success_rate)} ± {_pct(p.success_se)}</td>'
                         f'<td class="num">{"–" if p.mean_return is None else f"{p.mean_return:.2f}"}</td>'
                         f'<td class="num">{"–" if p.episodes is None else p.episodes}</td></tr>' for p in c.evals) + "</tbody></table>")
        cards.append(f'<div class="card curve-card" data-run="{escape(run.label)}"><h3>{escape(run.label)}</h3>'
                     f'<div class="sub">{len(c.steps)} RL iterations · {len(c.evals)} evaluations</div>'
                     f'<div class="legend">{"".join(f"<span>{item}</span>" for item in legend)}</div>'
                     f'<div class="grid-2"><div>{success}</div><div>{returns}</div></div>{table}</div>')
    return f'<h2>Learning curves</h2>{lead}' + "".join(cards)


def _viewer(viewer: dict[str, Any], stats: EmbedStats) -> str:
    cap = ""
    if stats.groups_capped:
        cap += (f'<div class="notice" id="cap-notice">The report embeds the first {viewer["max_episodes"]} episodes of each '
                f"run and environment: {stats.episodes_left_out:,} episodes in {stats.groups_capped} "
                f"group{'s' if stats.groups_capped != 1 else ''} are not shown here (the statistics above use all of them). "
                "Make a larger report with <code>--max-episodes</code>.</div>")
    if stats.texts_clipped:
        cap += (f'<div class="notice">{stats.texts_clipped:,} texts longer than {viewer["max_chars"]:,} characters are '
                "cut short in the viewer.</div>")
    return ('<h2>Episodes</h2><p class="lead">Pick a run, an environment and an episode: the first observation, then each '
            "turn's action, reward, the model's raw output (where it differs from the action) and the observation that "
            "came back. Keys <kbd>j</kbd> / <kbd>k</kbd> step through the list.</p>" + cap +
            '<div class="viewer-controls"><label>run<select id="ev-run"></select></label>'
            '<label>environment<select id="ev-group"></select></label>'
            '<label>show<select id="ev-filter"><option value="all">all episodes</option><option value="solved">solved</option>'
            '<option value="failed">failed</option></select></label></div><p id="ev-note"></p>'
            '<div class="viewer"><div id="ev-list" aria-label="episodes"></div><div id="ev-detail"></div></div>')


def _runs_table(runs: list[Run]) -> str:
    head = "".join(f"<th>{name}</th>" for name in ("run", "kind", "policy", "model", "suite", "environments", "episodes",
                                                    "agentgym", "created", "directory"))
    body = "".join(
        f"<tr><td class=\"run\">{escape(r.label)}</td><td>{escape(r.kind)}</td><td>{escape(r.policy)}</td>"
        f"<td>{escape(r.model or '–')}</td><td>{escape(r.suite or '–')}</td>"
        f"<td class=\"mono\">{''.join(f'<div>{escape(e)}</div>' for e in r.envs) or '–'}</td>"
        f"<td class=\"num\">{r.num_episodes:,}</td><td>{escape(r.agentgym_version or '–')}</td>"
        f"<td>{escape(_when(r.created))}</td><td class=\"mono path\">{escape(str(r.path))}</td></tr>" for r in runs)
    return ('<h2>Runs</h2><p class="lead">Where each run came from (labels from <code>manifest.json</code> or '
            '<code>config.json</code> where present).</p>'
            f'<div class="table-wrap"><table id="runs-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>')


def _when(created: str | None) -> str:
    """An ISO timestamp shortened to the minute (``2026-12-01T10:00:00Z`` → ``2026-12-01 10:00``)."""
    if not created:
        return "–"
    return created.replace("T", " ")[:16] if len(created) >= 16 and created[10] == "T" else created


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"
