"""The report's JavaScript: sortable tables and the episode viewer (vanilla, no library).

The viewer reads the episodes from the ``<script type="application/json" id="episode-data">``
block and builds every element with ``textContent``, never ``innerHTML``: observations and model
outputs are untrusted text and must show as text whatever they hold.
"""

SCRIPT = r"""
(function () {
  "use strict";

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function fmt(x, digits) {
    return (x === null || x === undefined) ? "–" : Number(x).toFixed(digits === undefined ? 2 : digits);
  }
  function count(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }
  function signed(x) {
    if (x === null || x === undefined) return "–";
    var text = Number(x).toFixed(2).replace(/\.?0+$/, "");
    return x > 0 ? "+" + text : text;
  }

  // ---- sortable tables: click (or Enter on) a header; numbers sort largest first on the first click
  function sortKey(cell) {
    var value = cell.getAttribute("data-sort");
    if (value === null) value = cell.textContent.trim();
    if (value === "") return -Infinity;
    var number = Number(value);
    return isNaN(number) ? value.toLowerCase() : number;
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    var headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (th, index) {
      th.tabIndex = 0;
      function sort() {
        var numeric = th.classList.contains("num");
        var current = th.getAttribute("aria-sort");
        var dir = current ? (current === "ascending" ? "descending" : "ascending") : (numeric ? "descending" : "ascending");
        Array.prototype.forEach.call(headers, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", dir);
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = sortKey(a.cells[index]), y = sortKey(b.cells[index]);
          var c = (typeof x === "number" && typeof y === "number") ? x - y : String(x).localeCompare(String(y));
          return dir === "ascending" ? c : -c;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sort(); }
      });
    });
  });

  // ---- episode viewer: run -> env -> episode
  var dataNode = document.getElementById("episode-data");
  if (!dataNode) return;
  var data = JSON.parse(dataNode.textContent);
  var runSelect = document.getElementById("ev-run");
  var groupSelect = document.getElementById("ev-group");
  var filterSelect = document.getElementById("ev-filter");
  var list = document.getElementById("ev-list");
  var detail = document.getElementById("ev-detail");
  var note = document.getElementById("ev-note");
  var shown = [];
  var selected = -1;

  function option(value, text) {
    var node = document.createElement("option");
    node.value = String(value);
    node.textContent = text;
    return node;
  }
  data.runs.forEach(function (run, i) { runSelect.appendChild(option(i, run.label)); });

  function currentGroup() {
    var run = data.runs[Number(runSelect.value)];
    return run ? run.groups[Number(groupSelect.value)] : undefined;
  }
  function fillGroups() {
    groupSelect.textContent = "";
    var run = data.runs[Number(runSelect.value)];
    if (run) run.groups.forEach(function (group, i) {
      groupSelect.appendChild(option(i, group.name + " (" + count(group.total) + ")"));
    });
    fillList();
  }
  function fillList() {
    var group = currentGroup();
    list.textContent = "";
    detail.textContent = "";
    selected = -1;
    if (!group) { note.textContent = "This run has no episodes."; shown = []; return; }
    var filter = filterSelect.value;
    shown = [];
    group.episodes.forEach(function (episode, i) {
      if (filter === "all" || (filter === "solved") === episode.success) shown.push({ episode: episode, number: i + 1 });
    });
    note.textContent = group.total > group.episodes.length
      ? "Showing the first " + count(group.episodes.length) + " of " + count(group.total) + " episodes: the report embeds at most " +
        count(data.max_episodes) + " per run and env."
      : count(group.total) + (group.total === 1 ? " episode." : " episodes.");
    shown.forEach(function (item, i) {
      var episode = item.episode;
      var button = el("button", "ep " + (episode.success ? "ok" : "fail"));
      button.type = "button";
      button.setAttribute("aria-pressed", "false");
      button.appendChild(el("span", "mark", episode.success ? "✓" : "✗"));
      button.appendChild(el("span", "ep-name", "#" + item.number + (episode.seed === null ? "" : " · seed " + episode.seed)));
      button.appendChild(el("span", "ep-meta", episode.turns + " turns · R " + fmt(episode.return)));
      button.addEventListener("click", function () { show(i); });
      list.appendChild(button);
    });
    if (shown.length) show(0);
    else detail.appendChild(el("p", "empty", "No embedded episode matches this filter."));
  }

  function show(i) {
    if (i < 0 || i >= shown.length) return;
    selected = i;
    Array.prototype.forEach.call(list.children, function (node, j) {
      node.classList.toggle("active", j === i);
      node.setAttribute("aria-pressed", j === i ? "true" : "false");
    });
    var item = shown[i], e = item.episode;
    detail.textContent = "";
    var head = el("div", "ep-head");
    head.appendChild(el("h3", null, "Episode #" + item.number));
    var outcome = e.error ? "error" : (e.success ? "solved" : (e.truncated ? "truncated" : "failed"));
    head.appendChild(el("span", "badge " + (e.success ? "ok" : "fail"), outcome));
    head.appendChild(el("span", "fact", "return " + fmt(e.return)));
    head.appendChild(el("span", "fact", e.turns + (e.turns === 1 ? " turn" : " turns")));
    detail.appendChild(head);

    var facts = el("dl", "ep-facts");
    [["task", e.task], ["seed", e.seed], ["episode", e.id]].forEach(function (pair) {
      if (pair[1] === null || pair[1] === undefined || pair[1] === "") return;
      facts.appendChild(el("dt", null, pair[0]));
      facts.appendChild(el("dd", null, pair[1]));
    });
    detail.appendChild(facts);
    if (e.error) detail.appendChild(el("pre", "error-text", e.error));

    var start = el("div", "turn start");
    var startHead = el("div", "turn-head");
    startHead.appendChild(el("span", "turn-no", "Start"));
    if (e.goal) startHead.appendChild(el("span", "goal", "Goal: " + e.goal));
    start.appendChild(startHead);
    start.appendChild(el("pre", "obs", e.first));
    detail.appendChild(start);

    e.steps.forEach(function (step, k) {
      var turn = el("div", "turn");
      var turnHead = el("div", "turn-head");
      turnHead.appendChild(el("span", "turn-no", "Turn " + (k + 1)));
      turnHead.appendChild(el("code", "action", step.a === "" ? "(empty action)" : step.a));
      turnHead.appendChild(el("span", "reward " + (step.r > 0 ? "pos" : (step.r < 0 ? "neg" : "zero")), "reward " + signed(step.r)));
      if (step.v === false) turnHead.appendChild(el("span", "badge warn", "invalid action"));
      if (step.s) {
        var shaped = Object.keys(step.s).map(function (name) { return name + " " + signed(step.s[name]); }).join(", ");
        turnHead.appendChild(el("span", "shaped", "shaped: " + shaped));
      }
      turn.appendChild(turnHead);
      if (step.m !== undefined) {
        var raw = el("details", "raw");
        raw.appendChild(el("summary", null, "model output"));
        raw.appendChild(el("pre", null, step.m));
        turn.appendChild(raw);
      }
      turn.appendChild(el("pre", "obs", step.o));
      detail.appendChild(turn);
    });
  }

  runSelect.addEventListener("change", fillGroups);
  groupSelect.addEventListener("change", fillList);
  filterSelect.addEventListener("change", fillList);
  document.addEventListener("keydown", function (event) {
    var tag = event.target && event.target.tagName;
    if (tag === "SELECT" || tag === "INPUT" || tag === "TEXTAREA") return;
    var onList = event.target.classList && event.target.classList.contains("ep");
    if (event.key === "j" || (event.key === "ArrowDown" && onList)) {
      event.preventDefault(); show(selected + 1); if (list.children[selected]) list.children[selected].focus();
    } else if (event.key === "k" || (event.key === "ArrowUp" && onList)) {
      event.preventDefault(); show(selected - 1); if (list.children[selected]) list.children[selected].focus();
    }
  });
  fillGroups();
})();
"""
