"""The report's stylesheet (inline in the page: no external fonts or files).

System fonts only; colours are CSS variables with a dark variant, and the SVG charts take
their axis colours from these classes.
"""

STYLE = r"""
:root {
  --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --faint: #8c959f; --border: #d8dee4; --panel: #f6f8fa;
  --accent: #3d6a99; --ok: #1a7f37; --ok-bg: #dafbe1; --fail: #c4262e; --fail-bg: #ffebe9;
  --warn: #8a5a00; --warn-bg: #fff8c5; --code-bg: #eff2f5; --row-hover: #f3f6f9;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f1419; --fg: #e6edf3; --muted: #9aa5b1; --faint: #6e7781; --border: #30363d; --panel: #161b22;
    --accent: #79a6d6; --ok: #3fb950; --ok-bg: #12261b; --fail: #f85149; --fail-bg: #2d1416;
    --warn: #d29922; --warn-bg: #2b2111; --code-bg: #1f262e; --row-hover: #1b222a;
  }
}
* { box-sizing: border-box; }
html { background: var(--bg); }
body {
  margin: 0 auto; max-width: 1240px; padding: 28px 28px 64px; color: var(--fg); background: var(--bg);
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif;
}
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
h1 { font-size: 26px; margin: 0; letter-spacing: -0.01em; }
h1 .brand { color: var(--accent); }
h2 { font-size: 19px; margin: 0 0 4px; }
h3 { font-size: 15px; margin: 0; }
a { color: var(--accent); }
p.lead { color: var(--muted); margin: 2px 0 14px; max-width: 80ch; }
header { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between; gap: 8px 24px;
  padding-bottom: 14px; border-bottom: 1px solid var(--border); }
header .meta { color: var(--muted); font-size: 13px; }
nav { display: flex; flex-wrap: wrap; gap: 4px 18px; margin: 12px 0 0; font-size: 13px; }
nav a { text-decoration: none; }
nav a:hover { text-decoration: underline; }
.stats { display: flex; flex-wrap: wrap; gap: 12px; margin: 20px 0 4px; }
.stat { background: var(--panel); border: 1px solid var(--border); border-radius: 8px; padding: 10px 16px; min-width: 130px; }
.stat b { display: block; font-size: 20px; font-variant-numeric: tabular-nums; }
.stat span { color: var(--muted); font-size: 12px; }
section { margin-top: 40px; }
.notice { background: var(--warn-bg); color: var(--fg); border: 1px solid var(--border); border-left: 4px solid var(--warn);
  border-radius: 6px; padding: 8px 12px; margin: 12px 0; font-size: 13px; }
.card { border: 1px solid var(--border); border-radius: 10px; padding: 16px 18px; background: var(--bg); }
.grid-2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr)); gap: 18px; }
.card h3 { margin-bottom: 6px; }
.card .sub { color: var(--muted); font-size: 12.5px; margin: -2px 0 8px; }

/* tables */
.table-wrap { overflow-x: auto; border: 1px solid var(--border); border-radius: 10px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 7px 11px; text-align: left; border-bottom: 1px solid var(--border); white-space: nowrap; vertical-align: middle; }
tbody tr:last-child td { border-bottom: none; }
tbody tr:hover { background: var(--row-hover); }
th { background: var(--panel); font-weight: 600; font-size: 12.5px; color: var(--muted); user-select: none; }
th.num, td.num { text-align: right; }
table.sortable th { cursor: pointer; }
table.sortable th:hover { color: var(--fg); }
th[aria-sort]::after { content: " ▾"; color: var(--accent); }
th[aria-sort="ascending"]::after { content: " ▴"; }
td.run { font-weight: 600; }
tr.suite-row td { background: var(--panel); }
tr.suite-row td.mono { font-family: inherit; font-weight: 600; }
.dot { display: inline-block; width: 10px; height: 10px; border-radius: 3px; margin-right: 7px; vertical-align: -1px; }
.stage { display: inline-block; margin-left: 6px; padding: 0 7px; border-radius: 10px; background: var(--code-bg);
  color: var(--muted); font-size: 11.5px; font-weight: 500; }
td.success { min-width: 140px; }
td.success .v { font-weight: 600; }
td.success .se { color: var(--muted); font-size: 12px; margin-left: 4px; }
td.success.best .v { color: var(--ok); }
.meter { height: 4px; border-radius: 2px; background: var(--code-bg); margin-top: 3px; overflow: hidden; }
.meter i { display: block; height: 100%; background: var(--accent); border-radius: 2px; }
td.muted, .muted { color: var(--muted); }
td.path { white-space: normal; overflow-wrap: anywhere; min-width: 140px; max-width: 300px; font-size: 12px; }
#runs-table td { vertical-align: top; }
caption { caption-side: bottom; text-align: left; padding: 8px 12px; color: var(--muted); font-size: 12px; white-space: normal; }

/* charts */
svg.chart { width: 100%; height: auto; display: block; overflow: visible; }
svg.chart text { font-family: inherit; }
svg.chart .grid { stroke: var(--border); stroke-width: 1; }
svg.chart .axis { stroke: var(--faint); stroke-width: 1.2; fill: none; }
svg.chart .tick { fill: var(--muted); font-size: 11px; }
svg.chart .label { fill: var(--fg); font-size: 12px; }
svg.chart .value { fill: var(--muted); font-size: 11px; }
svg.chart .err { stroke: var(--fg); stroke-width: 1.3; fill: none; opacity: 0.75; }
svg.chart .curve { fill: none; stroke-width: 2.2; stroke-linejoin: round; stroke-linecap: round; }
svg.chart .bar rect:hover, svg.chart .pt:hover { opacity: 0.8; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; margin: 4px 0 10px; font-size: 12.5px; color: var(--muted); }
.legend span { display: inline-flex; align-items: center; gap: 6px; }
.legend .swatch { flex: none; }
.legend i.box { width: 12px; height: 12px; border-radius: 3px; display: inline-block; }
table.evals { margin-top: 10px; font-size: 12.5px; width: auto; min-width: 60%; }
table.evals th, table.evals td { padding: 4px 10px; }

/* episode viewer */
.viewer-controls { display: flex; flex-wrap: wrap; gap: 10px 16px; align-items: end; margin-bottom: 8px; }
.viewer-controls label { display: flex; flex-direction: column; gap: 3px; font-size: 12px; color: var(--muted); }
select { font: inherit; color: var(--fg); background: var(--bg); border: 1px solid var(--border); border-radius: 6px;
  padding: 5px 8px; min-width: 180px; max-width: 420px; }
#ev-note { color: var(--muted); font-size: 12.5px; margin: 0 0 10px; }
.viewer { display: grid; grid-template-columns: 250px minmax(0, 1fr); gap: 16px; align-items: start; }
@media (max-width: 820px) { .viewer { grid-template-columns: 1fr; } }
#ev-list { display: flex; flex-direction: column; gap: 4px; max-height: 78vh; overflow-y: auto; padding-right: 4px; position: sticky; top: 12px; }
button.ep { display: grid; grid-template-columns: 18px 1fr; grid-template-rows: auto auto; column-gap: 6px; text-align: left;
  font: inherit; color: var(--fg); background: var(--bg); border: 1px solid var(--border); border-radius: 7px; padding: 6px 9px; cursor: pointer; }
button.ep:hover { background: var(--row-hover); }
button.ep.active { border-color: var(--accent); box-shadow: inset 3px 0 0 var(--accent); background: var(--panel); }
button.ep .mark { grid-row: span 2; font-weight: 700; align-self: center; }
button.ep.ok .mark { color: var(--ok); }
button.ep.fail .mark { color: var(--fail); }
button.ep .ep-name { font-weight: 600; font-size: 13px; }
button.ep .ep-meta { color: var(--muted); font-size: 11.5px; }
#ev-detail { min-width: 0; }
.ep-head { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 14px; margin-bottom: 6px; }
.ep-head .fact { color: var(--muted); font-size: 13px; }
.badge { display: inline-block; padding: 1px 9px; border-radius: 10px; font-size: 12px; font-weight: 600; }
.badge.ok { background: var(--ok-bg); color: var(--ok); }
.badge.fail { background: var(--fail-bg); color: var(--fail); }
.badge.warn { background: var(--warn-bg); color: var(--warn); }
dl.ep-facts { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 1px 12px; margin: 0 0 12px; font-size: 12.5px; }
dl.ep-facts dt { color: var(--muted); }
dl.ep-facts dd { margin: 0; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; overflow-wrap: anywhere; }
.turn { border: 1px solid var(--border); border-radius: 8px; margin-bottom: 8px; background: var(--bg); overflow: hidden; }
.turn.start { border-left: 4px solid var(--accent); }
.turn-head { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 12px; padding: 6px 12px; background: var(--panel);
  border-bottom: 1px solid var(--border); }
.turn-no { font-weight: 600; font-size: 12.5px; color: var(--muted); min-width: 52px; }
.goal { font-size: 13px; }
code.action { background: var(--code-bg); border-radius: 5px; padding: 2px 8px; font-weight: 600; white-space: pre-wrap; overflow-wrap: anywhere; }
.reward { font-size: 12px; font-variant-numeric: tabular-nums; }
.reward.pos { color: var(--ok); font-weight: 600; }
.reward.neg { color: var(--fail); font-weight: 600; }
.reward.zero { color: var(--faint); }
.shaped { font-size: 12px; color: var(--muted); }
pre { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
pre.obs { padding: 9px 12px; }
pre.error-text { background: var(--fail-bg); color: var(--fail); border-radius: 6px; padding: 8px 12px; margin-bottom: 10px; }
details.raw { border-bottom: 1px dashed var(--border); }
details.raw summary { cursor: pointer; padding: 4px 12px; color: var(--muted); font-size: 12px; }
details.raw pre { padding: 4px 12px 9px; color: var(--muted); }
p.empty { color: var(--muted); }
footer { margin-top: 48px; padding-top: 12px; border-top: 1px solid var(--border); color: var(--muted); font-size: 12px; }
"""
