/**
 * @module
 * The dashboard page: one self-contained HTML document (inline CSS and vanilla JS, no build step). Its job is to show at
 * a glance what happened to each function and when: one timeline per function (state and last-update status as bands,
 * invocations, faults and instance starts/stops as marks), a detail view, and the actions a test author reaches for.
 * Data only ever reaches the DOM through textContent / attributes, never innerHTML.
 */
const FAVICON =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E%3Crect width='32' height='32' rx='7' fill='%231d2330'/%3E%3Cpath d='M8 8h4v16H8zM16 8h8v4h-4v4h3v4h-3v4h-4z' fill='%23ff6a00'/%3E%3C/svg%3E";

export const UI_PAGE = /* html */ `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>localfc</title>
<link rel="icon" href="${FAVICON}">
<style>
  :root { --bg:#f6f7f9; --card:#fff; --line:#e3e6ea; --text:#1d2330; --muted:#6b7280; --accent:#ff6a00;
          --Active:#22c55e; --Pending:#f59e0b; --Inactive:#818cf8; --Failed:#ef4444; --Successful:#86efac; --InProgress:#fcd34d; }
  * { box-sizing: border-box; }
  [hidden] { display: none !important; }
  body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; background:var(--bg); color:var(--text); }
  header { display:flex; align-items:center; gap:10px 16px; flex-wrap:wrap; padding:10px 16px; background:#1d2330; color:#fff; }
  header h1 { font-size:17px; margin:0; font-weight:600; }
  header h1 span { color:var(--accent); }
  header .meta { color:#c8cdd6; font-size:13px; }
  header form, header .actions { display:flex; gap:6px; align-items:center; flex-wrap:wrap; }
  header .actions { margin-left:auto; }
  main { display:grid; grid-template-columns: minmax(0,3fr) minmax(0,2fr); gap:14px; padding:14px 16px; }
  section { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:12px 14px; min-width:0; }
  section h2 { font-size:13px; margin:0 0 8px; text-transform:uppercase; letter-spacing:.04em; color:var(--muted); }
  section h3 { font-size:13px; margin:12px 0 4px; color:var(--muted); }
  .wide { grid-column: 1 / -1; }
  table { width:100%; border-collapse:collapse; table-layout:fixed; }
  th, td { text-align:left; padding:4px 6px; border-bottom:1px solid var(--line); vertical-align:top; overflow:hidden; text-overflow:ellipsis; white-space:nowrap; }
  th { font-weight:600; font-size:12px; color:var(--muted); }
  .mono { font-family:ui-monospace,SFMono-Regular,Menlo,monospace; font-size:12px; }
  .badge { display:inline-block; padding:0 7px; border-radius:10px; font-size:12px; font-weight:600; background:#e5e7eb; color:#374151; white-space:nowrap; }
  .b-Active, .b-Successful { background:#dcfce7; color:#166534; }
  .b-Pending, .b-InProgress { background:#fef3c7; color:#92400e; }
  .b-Inactive { background:#e0e7ff; color:#3730a3; }
  .b-Failed { background:#fee2e2; color:#991b1b; }
  .empty { color:var(--muted); font-style:italic; padding:4px 0; }
  input, select, button, textarea { font:inherit; padding:3px 7px; border:1px solid #cbd0d8; border-radius:5px; background:#fff; color:var(--text); max-width:100%; }
  input[type=number] { width:84px; }
  button { cursor:pointer; background:#f3f4f6; }
  button.primary { background:var(--accent); border-color:var(--accent); color:#fff; }
  button.danger { background:#fee2e2; border-color:#fca5a5; color:#991b1b; }
  form.row { display:flex; flex-wrap:wrap; gap:8px; align-items:end; margin-top:8px; }
  form.row label { display:flex; flex-direction:column; font-size:12px; color:var(--muted); gap:2px; }
  #status { font-size:12px; padding:1px 8px; border-radius:10px; background:#374151; }
  #status.live { background:#166534; }
  #status.polling { background:#92400e; }
  #error { color:#991b1b; font-size:13px; min-height:1em; }
  /* One function: a head line and its timeline lane. */
  .fn { border-bottom:1px solid var(--line); padding:8px 0; }
  .fn.selected { background:#fff8f2; }
  .fn-head { display:flex; gap:8px; align-items:center; flex-wrap:wrap; cursor:pointer; min-width:0; }
  .fn-head .name { font-weight:600; max-width:260px; overflow:hidden; text-overflow:ellipsis; white-space:nowrap; }
  .fn-head .reason { color:#991b1b; font-size:12px; max-width:220px; overflow:hidden; text-overflow:ellipsis; white-space:nowrap; }
  .fn-head .runtime { color:var(--muted); font-size:12px; }
  .lane { position:relative; height:38px; margin-top:5px; background:#f3f4f6; border-radius:4px; overflow:hidden; }
  .band { position:absolute; left:8px; right:8px; }
  .band.state { top:0; height:14px; }
  .band.update { top:15px; height:6px; }
  .seg { position:absolute; top:0; bottom:0; min-width:2px; }
  .seg.instant { width:7px; z-index:1; box-shadow:0 0 0 1px #fff; }
  .fn.deleted .lane { opacity:.55; }
  .fn.deleted .name { text-decoration:line-through; }
  .marks { position:absolute; left:8px; right:8px; top:22px; height:16px; }
  .mark { position:absolute; top:2px; width:12px; height:12px; margin-left:-6px; padding:0; border-radius:50%; border:2px solid #fff; cursor:pointer; }
  .m-invocation { background:#2563eb; }
  .m-invocation.m-failed { background:#dc2626; }
  .m-invocation.m-throttled { background:#f97316; border-radius:2px; }
  .m-fault { background:#991b1b; border-radius:0; transform:rotate(45deg); }
  .m-instance { background:#6b7280; width:6px; margin-left:-3px; border-radius:1px; border-width:0 1px; }
  .m-instance.m-stopped { background:#d1d5db; }
  .m-note { background:#a3a3a3; width:8px; height:8px; top:4px; margin-left:-4px; }
  .axis { display:flex; justify-content:space-between; font-size:11px; color:var(--muted); }
  .legend { display:flex; flex-wrap:wrap; gap:4px 12px; font-size:12px; color:var(--muted); margin-bottom:6px; }
  .legend i { display:inline-block; width:10px; height:10px; border-radius:2px; margin-right:4px; vertical-align:-1px; }
  #mark-detail { margin-top:8px; border:1px solid var(--line); border-radius:6px; padding:6px 8px; background:#fafbfc; }
  pre { margin:4px 0; padding:6px 8px; background:#f3f4f6; border-radius:5px; max-height:240px; overflow:auto; white-space:pre-wrap; overflow-wrap:anywhere; font-size:12px; }
  textarea { width:100%; min-height:52px; font-family:ui-monospace,monospace; font-size:12px; }
  .kv td:first-child { width:38%; color:var(--muted); }
  td.wrap { white-space:normal; overflow-wrap:anywhere; }
  @media (max-width: 1100px) { main { grid-template-columns: minmax(0,1fr); } }
</style>
</head>
<body>
<header>
  <h1><span>local</span>fc</h1>
  <div class="meta">clock <b data-testid="clock-kind" id="clock-kind">?</b> · now <span class="mono" data-testid="clock-now" id="clock-now">?</span> · timers <span data-testid="timer-count" id="timer-count">0</span></div>
  <span id="status" data-testid="conn-status">connecting</span>
  <div class="actions">
    <form id="advance-form" data-testid="advance-form" hidden>
      <label class="meta" for="advance-amount">advance clock</label>
      <input id="advance-amount" data-testid="advance-amount" type="number" min="0" step="any" value="1">
      <select id="advance-unit" data-testid="advance-unit">
        <option value="1000">seconds</option><option value="60000">minutes</option><option value="3600000">hours</option><option value="86400000">days</option>
      </select>
      <button class="primary" type="submit" data-testid="advance-btn">Advance</button>
    </form>
    <button type="button" class="danger" id="reset-btn" data-testid="reset-btn" title="Delete every function and layer, empty the registry, drop run-time fault rules">Reset</button>
  </div>
</header>
<main>
  <section class="wide">
    <h2>Functions</h2>
    <div class="legend">
      <span><i style="background:var(--Pending)"></i>Pending</span><span><i style="background:var(--Active)"></i>Active</span>
      <span><i style="background:var(--Inactive)"></i>Inactive</span><span><i style="background:var(--Failed)"></i>Failed</span>
      <span>thin band: last update (<i style="background:var(--InProgress)"></i>InProgress <i style="background:var(--Successful)"></i>Successful)</span>
      <span><i style="background:#2563eb;border-radius:50%"></i>invocation</span><span><i style="background:#dc2626;border-radius:50%"></i>failed</span>
      <span><i style="background:#f97316"></i>throttled</span><span><i style="background:#991b1b"></i>fault</span><span><i style="background:#6b7280;width:4px"></i>instance start/stop</span><span>quiet stretches are compressed; hover for times</span>
    </div>
    <div id="functions" data-testid="functions"></div>
    <div id="functions-empty" class="empty">No functions yet.</div>
    <div id="mark-detail" data-testid="mark-detail" hidden></div>
  </section>
  <section class="wide" id="detail" data-testid="detail" hidden>
    <h2>Function <span id="detail-name" data-testid="detail-name" class="mono"></span></h2>
    <div id="actions">
      <form class="row" id="invoke-form" data-testid="invoke-form">
        <label style="flex:1 1 260px">event body <textarea id="invoke-body" data-testid="invoke-body">{"hello":"localfc"}</textarea></label>
        <label>qualifier <input id="invoke-qualifier" data-testid="invoke-qualifier" value="LATEST" size="8"></label>
        <button class="primary" type="submit" data-testid="invoke-btn">Invoke</button>
        <button type="button" id="release-btn" data-testid="release-btn" title="End a hold fault: the function finishes its preparation or update">Release hold</button>
      </form>
      <pre id="invoke-result" data-testid="invoke-result" hidden></pre>
      <form class="row" id="scenario-form" data-testid="scenario-form">
        <label>scenario for this function <select id="scenario-select" data-testid="scenario-select"></select></label>
        <button type="submit" data-testid="scenario-btn">Turn on</button>
      </form>
    </div>
    <div id="detail-body"></div>
  </section>
  <section>
    <h2>Fault rules</h2>
    <table data-testid="faults">
      <colgroup><col style="width:24%"><col style="width:30%"><col style="width:22%"><col style="width:12%"><col style="width:12%"></colgroup>
      <thead><tr><th>Id</th><th>Match</th><th>Effect</th><th>Fired / left</th><th></th></tr></thead>
      <tbody id="faults-body"></tbody>
    </table>
    <div id="faults-empty" class="empty">No fault rules.</div>
    <form id="fault-form" class="row" data-testid="fault-form">
      <label>phase <select id="fault-phase" data-testid="fault-phase"></select></label>
      <label>effect <select id="fault-effect" data-testid="fault-effect"></select></label>
      <label>function glob <input id="fault-fn" data-testid="fault-fn" value="*" size="10"></label>
      <label data-for="error">error code <input id="fault-code" data-testid="fault-code" value="ImageAccessDenied" size="16"></label>
      <label data-for="error">status <input id="fault-status" data-testid="fault-status" type="number" min="400" max="599" placeholder="default"></label>
      <label data-for="latency hold">ms <input id="fault-ms" data-testid="fault-ms" type="number" min="0" value="1000"></label>
      <label>times <input id="fault-times" data-testid="fault-times" type="number" min="1" placeholder="∞"></label>
      <label>probability <input id="fault-probability" data-testid="fault-probability" type="number" min="0" max="1" step="0.05" placeholder="1"></label>
      <button class="primary" type="submit" data-testid="fault-add">Add fault</button>
    </form>
    <div id="fault-help" class="empty" data-testid="fault-help"></div>
    <div id="error" data-testid="error" role="alert"></div>
  </section>
  <section>
    <h2>Instances</h2>
    <table data-testid="instances">
      <colgroup><col style="width:30%"><col style="width:30%"><col style="width:12%"><col style="width:28%"></colgroup>
      <thead><tr><th>Instance</th><th>Function</th><th>Busy</th><th>Created</th></tr></thead>
      <tbody id="instances-body"></tbody>
    </table>
    <div id="instances-empty" class="empty">No instances.</div>
    <h2 style="margin-top:12px">Pending timers</h2>
    <table data-testid="timers">
      <colgroup><col style="width:45%"><col style="width:55%"></colgroup>
      <thead><tr><th>Due</th><th>Label</th></tr></thead>
      <tbody id="timers-body"></tbody>
    </table>
    <div id="timers-empty" class="empty">No timers.</div>
  </section>
  <section class="wide" id="registry" data-testid="registry" hidden>
    <h2>Simulated registry</h2>
    <table>
      <colgroup><col style="width:45%"><col style="width:55%"></colgroup>
      <thead><tr><th>Image</th><th>Digest</th></tr></thead>
      <tbody id="registry-body"></tbody>
    </table>
    <div id="registry-empty" class="empty">No images pushed (the permissive registry resolves any tag).</div>
  </section>
</main>
<script>
"use strict";
(function () {
  var BASE = "/_localfc";
  // With an admin token the page is opened as /_localfc/ui?token=...; every call carries it on.
  var TOKEN = new URLSearchParams(location.search).get("token");
  var selected = null;
  var last = null;
  var detail = null;
  var detailLoading = false;
  var logs = null;
  var caps = null;
  var pollTimer = null;
  var source = null;

  function $(id) { return document.getElementById(id); }
  function el(tag, text, attrs) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (attrs) for (var k in attrs) if (attrs[k] !== undefined && attrs[k] !== null) e.setAttribute(k, String(attrs[k]));
    return e;
  }
  // Long names and digests: shortened in the middle, the whole value on hover.
  function short(value, max, attrs) {
    var s = value == null ? "" : String(value);
    var shown = s.length > max ? s.slice(0, Math.ceil(max * 0.6)) + "…" + s.slice(s.length - Math.floor(max * 0.4) + 1) : s;
    var e = el("span", shown, attrs);
    e.title = s;
    return e;
  }
  function badge(value, testid) {
    var b = el("span", value == null ? "" : value, { "data-testid": testid });
    b.className = "badge b-" + String(value).replace(/[^A-Za-z]/g, "");
    return b;
  }
  function row(cells, attrs) {
    var tr = el("tr", null, attrs);
    cells.forEach(function (c) {
      var td = el("td");
      if (c && typeof c === "object" && c.nodeType) { td.appendChild(c); td.title = c.title || c.textContent || ""; }
      else { td.textContent = c == null ? "" : String(c); td.title = td.textContent; }
      tr.appendChild(td);
    });
    return tr;
  }
  function fill(body, emptyId, rows) {
    if (typeof body === "string") body = $(body);
    body.replaceChildren.apply(body, rows);
    if (emptyId) $(emptyId).hidden = rows.length > 0;
  }
  function table(headers, rows, testid) {
    var t = el("table", null, { "data-testid": testid });
    var thead = el("thead");
    thead.appendChild(row(headers));
    var tbody = el("tbody");
    tbody.replaceChildren.apply(tbody, rows);
    t.appendChild(thead);
    t.appendChild(tbody);
    return t;
  }
  function showError(msg) { $("error").textContent = msg || ""; }
  function shortTime(iso) { return typeof iso === "string" ? iso.replace("T", " ").replace(/\\.\\d+Z$|Z$/, "") : ""; }
  function compact(obj) {
    if (obj == null) return "";
    try { return JSON.stringify(obj); } catch (e) { return String(obj); }
  }
  function effectText(e) {
    if (!e) return "";
    if (e.type === "error") return "error " + e.code + (e.status ? " (" + e.status + ")" : "");
    if (e.type === "latency") return "latency " + e.ms + " ms";
    if (e.type === "hold") return "hold" + (e.ms != null ? " " + e.ms + " ms" : "");
    return e.type;
  }
  function duration(ms) {
    if (ms < 1000) return Math.round(ms) + " ms";
    if (ms < 120000) return (ms / 1000).toFixed(ms < 10000 ? 1 : 0) + " s";
    if (ms < 7200000) return Math.round(ms / 60000) + " min";
    if (ms < 172800000) return Math.round(ms / 3600000) + " h";
    return Math.round(ms / 86400000) + " d";
  }

  async function api(method, path, body, raw) {
    var headers = TOKEN ? { authorization: "Bearer " + TOKEN } : {};
    if (body !== undefined) headers["content-type"] = raw ? "application/octet-stream" : "application/json";
    var res = await fetch(BASE + path, { method: method, headers: headers, body: body === undefined ? undefined : raw ? body : JSON.stringify(body) });
    var text = await res.text();
    var data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = text; }
    if (!res.ok) throw new Error((data && data.Code ? data.Code + ": " : "") + ((data && data.Message) || res.status + " " + res.statusText));
    return data;
  }
  async function refresh() {
    try { render(await api("GET", "/overview")); } catch (e) { setStatus("offline", "offline"); }
  }
  async function act(fn) {
    try { await fn(); showError(""); } catch (e) { showError(e.message); }
    refresh();
  }

  // ---- the timelines ----
  function invocationClass(t) {
    var d = t.detail || {};
    if (d.code === "ResourceThrottled") return " m-throttled";
    if (t.event === "failed" || t.event === "rejected" || t.event === "async.failed" || t.event === "trigger.skipped" || d.errorType || (d.status && d.status >= 400)) return " m-failed";
    return "";
  }
  function markFor(t, left, name) {
    var cls = "mark m-" + (t.kind === "transition" ? "note" : t.kind);
    if (t.kind === "invocation") cls += invocationClass(t);
    if (t.kind === "instance" && /stopped/.test(t.event)) cls += " m-stopped";
    var d = t.detail || {};
    var label = t.kind + " " + t.event + (d.status ? " " + d.status : "") + (d.durationMs != null ? " " + duration(d.durationMs) : "") + (d.code ? " " + d.code : "") + " at " + shortTime(t.time);
    var b = el("button", null, { type: "button", "class": cls, title: label, "aria-label": label, "data-testid": "mark", "data-kind": t.kind, "data-event": t.event, "data-fn": name });
    b.style.left = left + "%";
    b.addEventListener("click", function (ev) { ev.stopPropagation(); showMark(name, t); });
    return b;
  }
  function showMark(name, t) {
    var box = $("mark-detail");
    var d = t.detail || {};
    var rows = [["function", name], ["time", shortTime(t.time)], ["kind", t.kind], ["event", t.event]];
    if (t.state) rows.push(["state", t.state]);
    if (t.lastUpdateStatus) rows.push(["last update", t.lastUpdateStatus]);
    if (t.reasonCode) rows.push(["reason code", t.reasonCode]);
    if (t.reason) rows.push(["reason", t.reason]);
    if (d.status != null) rows.push(["status", d.status]);
    if (d.durationMs != null) rows.push(["duration", duration(d.durationMs)]);
    Object.keys(d).forEach(function (k) { if (k !== "status" && k !== "durationMs") rows.push([k, typeof d[k] === "object" ? compact(d[k]) : d[k]]); });
    var close = el("button", "Close", { type: "button", "data-testid": "mark-close" });
    close.addEventListener("click", function () { box.hidden = true; });
    var t2 = table(["", ""], rows.map(function (r) { return row([r[0], short(r[1], 120)]); }), "mark-table");
    t2.className = "kv";
    box.replaceChildren(el("b", "Details"), t2, close);
    box.hidden = false;
  }
  // One time axis for every lane, from the first event to now. Quiet stretches are compressed (each gap between events
  // counts log(1 + seconds)), so a manual clock advanced by days still leaves the seconds around a deploy readable.
  function timeScale(fns, nowMs) {
    var times = [nowMs];
    fns.forEach(function (f) { f.timeline.forEach(function (t) { if (t.at <= nowMs) times.push(t.at); }); });
    times.sort(function (a, b) { return a - b; });
    var at = {};
    var acc = 0;
    times.forEach(function (t, i) {
      if (i > 0) acc += Math.log(1 + (t - times[i - 1]) / 1000);
      at[t] = acc;
    });
    var total = acc || 1;
    var pos = function (t) { return t in at ? at[t] / total * 100 : 100; };
    pos.from = times[0];
    return pos;
  }
  function bands(entries, key, pos, nowMs, testid) {
    var band = el("div", null, { "class": "band " + testid.replace("band-", ""), "data-testid": testid });
    // One segment per change of the value; a deletion ends the last one.
    var segs = [];
    entries.forEach(function (t) {
      if (t.kind !== "transition") return;
      var prev = segs[segs.length - 1];
      if (t.event === "delete") { if (prev && !prev.end) segs.push({ at: t.at, end: true }); return; }
      if (!t[key] || (prev && !prev.end && prev.value === t[key])) return;
      segs.push({ at: t.at, value: t[key], reason: t.reasonCode || "", text: t.reason || "" });
    });
    var drawn = [];
    segs.forEach(function (s, i) {
      if (s.end) return;
      var next = segs[i + 1];
      var end = next ? next.at : nowMs;
      var left = pos(s.at);
      drawn.push({ s: s, end: end, left: left, width: Math.max(0, pos(end) - left), current: !next });
    });
    // A state that took no room on the axis (0 ms of clock time: usual on a manual clock, where time moves only when
    // advanced) is a tick of its own, side by side with the others of that instant and on top of the longer state after
    // them, so every state the function went through shows; towards the right edge the ticks line up to the left.
    var INSTANT = 0.4;
    for (var i = 0; i < drawn.length; ) {
      if (drawn[i].width >= INSTANT) { i++; continue; }
      var j = i;
      while (j < drawn.length && drawn[j].width < INSTANT && Math.abs(drawn[j].left - drawn[i].left) < INSTANT) j++;
      for (var k = i; k < j; k++) drawn[k].shift = drawn[i].left > 50 ? -(j - k) * 8 : (k - i) * 8;
      i = j;
    }
    drawn.forEach(function (d) {
      var s = d.s;
      var when = d.current ? " since " + new Date(s.at).toISOString() + " (now)" : " from " + new Date(s.at).toISOString() + " for " + duration(d.end - s.at) + (d.end === s.at ? " of clock time" : "");
      var seg = el("div", null, { "class": "seg" + (d.shift !== undefined ? " instant" : ""), "data-value": s.value, title: s.value + (s.reason ? " (" + s.reason + ")" : "") + when + (s.text ? ": " + s.text : "") });
      seg.style.left = d.shift !== undefined ? "calc(" + d.left + "% " + (d.shift < 0 ? "- " : "+ ") + Math.abs(d.shift) + "px)" : d.left + "%";
      if (d.shift === undefined) seg.style.width = d.width + "%";
      seg.style.background = "var(--" + s.value + ", #9ca3af)";
      band.appendChild(seg);
    });
    return band;
  }
  function renderFunctions(o) {
    var fns = o.functions || [];
    var nowMs = o.nowMs;
    var pos = timeScale(fns, nowMs);
    var from = pos.from;
    fill("functions", "functions-empty", fns.map(function (f) {
      var n = f.functionName;
      // A deleted function's lane is told apart from a live one of the same name.
      var id = (f.deleted ? "deleted-" : "") + n;
      var box = el("div", null, { "data-testid": "fn-" + id, "data-name": n, "class": "fn" + (n === selected && !f.deleted ? " selected" : "") + (f.deleted ? " deleted" : "") });
      var head = el("div", null, { "class": "fn-head", "data-testid": "fn-" + id + "-head" });
      head.appendChild(short(n, 40, { "class": "name mono", "data-testid": "fn-" + id + "-name" }));
      // A deleted function's lane stays until reset, so a failed run's history can still be read.
      if (f.deleted) head.appendChild(el("span", "deleted " + shortTime(f.deletedTime), { "class": "badge", "data-testid": "fn-" + id + "-deleted", title: "deleted at " + f.deletedTime + "; its last state is shown" }));
      head.appendChild(badge(f.state, "fn-" + id + "-state"));
      head.appendChild(badge(f.lastUpdateStatus, "fn-" + id + "-update"));
      var reasons = [f.stateReasonCode, f.lastUpdateStatusReasonCode].filter(function (r, i, a) { return r && a.indexOf(r) === i; }).join(" / ");
      var reason = el("span", reasons, { "class": "reason", "data-testid": "fn-" + id + "-reason" });
      reason.title = f.stateReason || reasons;
      head.appendChild(reason);
      head.appendChild(el("span", f.runtime, { "class": "runtime" }));
      head.appendChild(short(f.resolvedImageUri || f.codeChecksum, 24, { "class": "runtime mono" }));
      if (!f.deleted) head.addEventListener("click", function () { select(n); });
      var lane = el("div", null, { "class": "lane", "data-testid": "lane-" + id });
      lane.appendChild(bands(f.timeline, "state", pos, nowMs, "band-state"));
      lane.appendChild(bands(f.timeline, "lastUpdateStatus", pos, nowMs, "band-update"));
      var marks = el("div", null, { "class": "marks" });
      // Marks at (nearly) the same time sit side by side, not on top of each other: on a manual clock many things share an instant.
      var taken = {};
      f.timeline.forEach(function (t) {
        if (t.kind === "transition" || (t.kind === "note" && t.event === "preparation.progress")) return;
        var left = pos(t.at);
        var slot = Math.round(left);
        var nth = taken[slot] || 0;
        taken[slot] = nth + 1;
        var m = markFor(t, left, n);
        if (nth) m.style.left = "calc(" + left + "% " + (left > 50 ? "- " : "+ ") + (nth * 13) + "px)";
        marks.appendChild(m);
      });
      lane.appendChild(marks);
      var axis = el("div", null, { "class": "axis" });
      axis.appendChild(el("span", shortTime(new Date(from).toISOString())));
      axis.appendChild(el("span", "now " + shortTime(o.now)));
      box.appendChild(head);
      box.appendChild(lane);
      box.appendChild(axis);
      return box;
    }));
  }

  // ---- one function in detail ----
  function select(name) {
    selected = name;
    detail = null;
    $("invoke-result").hidden = true;
    if (last) render(last);
    loadDetail();
  }
  async function loadDetail() {
    if (!selected || detailLoading) return;
    detailLoading = true;
    var name = selected;
    try { detail = await api("GET", "/functions/" + encodeURIComponent(name) + "/detail"); }
    catch (e) { detail = { functionName: name, error: e.message }; }
    finally { detailLoading = false; }
    if (name === selected) renderDetail();
  }
  function kvTable(obj, testid) {
    var keys = Object.keys(obj || {});
    if (!keys.length) return el("div", "None.", { "class": "empty", "data-testid": testid + "-empty" });
    var t = table(["Key", "Value"], keys.map(function (k) {
      var v = obj[k];
      return row([short(k, 40), short(typeof v === "object" ? compact(v) : v, 90, { "class": "mono" })], { "data-testid": testid + "-row", "data-key": k });
    }), testid);
    t.className = "kv";
    return t;
  }
  // The state and last update with their reasons written out whole: a Failed function's message is what one reads it for.
  function statusTable(st) {
    var keys = ["state", "stateReasonCode", "stateReason", "lastUpdateStatus", "lastUpdateStatusReasonCode", "lastUpdateStatusReason"].filter(function (k) { return st[k]; });
    var t = table(["Key", "Value"], keys.map(function (k) {
      var tr = row([k, ""], { "data-testid": "status-row", "data-key": k });
      var td = tr.lastChild;
      td.className = "wrap";
      td.replaceChildren(/Status$|^state$/.test(k) ? badge(st[k], "status-" + k) : el("span", st[k], { "data-testid": "status-" + k }));
      return tr;
    }), "status");
    t.className = "kv";
    return t;
  }
  function listTable(headers, items, cells, testid) {
    if (!items || !items.length) return el("div", "None.", { "class": "empty", "data-testid": testid + "-empty" });
    return table(headers, items.map(function (it) { return row(cells(it), { "data-testid": testid + "-row" }); }), testid);
  }
  function renderDetail() {
    var box = $("detail");
    box.hidden = !selected;
    if (!selected) return;
    $("detail-name").textContent = selected;
    var body = $("detail-body");
    if (!detail) { body.replaceChildren(el("div", "Loading…", { "class": "empty" })); return; }
    if (detail.error) { body.replaceChildren(el("div", detail.error, { "class": "empty", "data-testid": "detail-error" })); return; }
    var parts = [];
    parts.push(el("h3", "State"), statusTable(detail.status || {}));
    parts.push(el("h3", "Configuration"), kvTable(detail.config, "config"));
    parts.push(el("h3", "Environment"), kvTable(detail.environmentVariables, "env"));
    parts.push(el("h3", "Versions"), listTable(["Version", "Description", "Created", "Checksum"], detail.versions, function (v) {
      return [v.versionId, short(v.description, 40), shortTime(v.createdTime), short(v.codeChecksum, 24, { "class": "mono" })];
    }, "versions"));
    parts.push(el("h3", "Aliases"), listTable(["Alias", "Version", "Traffic"], detail.aliases, function (a) {
      var extra = Object.keys(a.additionalVersionWeight || {});
      var rest = 1 - extra.reduce(function (s, k) { return s + a.additionalVersionWeight[k]; }, 0);
      var weights = [a.versionId + ": " + Math.round(rest * 100) + "%"].concat(extra.map(function (k) { return k + ": " + Math.round(a.additionalVersionWeight[k] * 100) + "%"; }));
      return [short(a.aliasName, 30), a.versionId, weights.join(", ")];
    }, "aliases"));
    parts.push(el("h3", "Triggers"), listTable(["Trigger", "Type", "Qualifier", "Config"], detail.triggers, function (t) {
      return [short(t.triggerName, 30), t.triggerType, t.qualifier, short(t.triggerConfig, 80, { "class": "mono" })];
    }, "triggers"));
    parts.push(el("h3", "Custom domains"), listTable(["Domain", "Path", "Qualifier", "Methods"], detail.customDomains, function (r) {
      return [short(r.domainName, 40), short(r.path, 40, { "class": "mono" }), r.qualifier, r.methods.join(", ")];
    }, "custom-domains"));
    parts.push(el("h3", "Async tasks"), listTable(["Task", "Status", "Started", "Retries", "Error"], detail.asyncTasks, function (t) {
      return [short(t.taskId, 24, { "class": "mono" }), badge(t.status, "task-status"), shortTime(t.startedTime), t.alreadyRetriedTimes, short(t.taskErrorMessage || "", 60)];
    }, "tasks"));
    var logBox = el("pre", logs && logs.fn === selected ? logs.text : null, { "data-testid": "instance-logs" });
    logBox.hidden = !(logs && logs.fn === selected);
    parts.push(el("h3", "Instances"), listTable(["Instance", "Revision", "Busy", "Created", "Logs"], detail.instances, function (i) {
      var btn = el("button", "Logs", { type: "button", "data-testid": "instance-logs-btn" });
      btn.addEventListener("click", function () {
        act(async function () {
          var text = await api("GET", "/functions/" + encodeURIComponent(selected) + "/instances/" + encodeURIComponent(i.instanceId) + "/logs");
          logs = { fn: selected, text: i.instanceId + ":\\n" + (typeof text === "string" ? (text || "(no output yet)") : compact(text)) };
          renderDetail();
        });
      });
      return [short(i.instanceId, 28, { "class": "mono" }), i.revisionId, i.busy, shortTime(i.createdTime), btn];
    }, "detail-instances"));
    parts.push(logBox);
    body.replaceChildren.apply(body, parts);
  }

  // ---- fault rules, and a form that offers only what the server supports ----
  function renderFaults(faults) {
    fill("faults-body", "faults-empty", faults.map(function (r) {
      var m = r.match || {};
      var match = [m.phase, m.functionName, m.operation, m.qualifier].filter(Boolean).join(" · ") || "everything";
      var btn = el("button", "Remove", { type: "button", "data-testid": "fault-" + r.id + "-remove" });
      btn.addEventListener("click", function () { btn.disabled = true; act(function () { return api("DELETE", "/faults/" + encodeURIComponent(r.id)); }); });
      var left = r.remaining != null ? r.remaining : "∞";
      return row([short(r.id + " (" + r.source + ")", 24, { "class": "mono" }), short(match, 40), effectText(r.effect), r.fired + " / " + left, btn], { "data-testid": "fault-" + r.id });
    }));
  }
  function renderCapabilities() {
    var phase = $("fault-phase");
    var keep = phase.value;
    phase.replaceChildren.apply(phase, caps.phases.map(function (p) { return el("option", p.phase, { value: p.phase, title: p.description || "" }); }));
    if (keep) phase.value = keep;
    updateEffects();
  }
  function updateEffects() {
    var p = null;
    caps.phases.forEach(function (x) { if (x.phase === $("fault-phase").value) p = x; });
    var effect = $("fault-effect");
    var keep = effect.value;
    var effects = p ? p.effects : [];
    effect.replaceChildren.apply(effect, effects.map(function (e) { return el("option", e, { value: e }); }));
    if (effects.indexOf(keep) >= 0) effect.value = keep;
    $("fault-help").textContent = p && p.description ? p.phase + ": " + p.description : "";
    updateFields();
  }
  function updateFields() {
    var t = $("fault-effect").value;
    document.querySelectorAll("#fault-form [data-for]").forEach(function (l) { l.hidden = l.getAttribute("data-for").split(" ").indexOf(t) < 0; });
  }

  function render(o) {
    last = o;
    $("clock-kind").textContent = o.clock;
    $("clock-now").textContent = o.now;
    $("timer-count").textContent = String((o.timers || []).length);
    $("advance-form").hidden = o.clock !== "manual";
    renderFunctions(o);
    renderFaults(o.faults || []);
    var sel = $("scenario-select");
    if (!sel.options.length) sel.replaceChildren.apply(sel, (o.scenarios || []).map(function (s) { return el("option", s.name, { value: s.name, title: s.description }); }));
    fill("instances-body", "instances-empty", (o.instances || []).map(function (i) {
      return row([short(i.instanceId, 28, { "class": "mono" }), short(i.functionName, 30), i.busy, shortTime(new Date(i.createdTimeMs).toISOString())], { "data-testid": "instance-row" });
    }));
    fill("timers-body", "timers-empty", (o.timers || []).map(function (t) {
      return row([el("span", shortTime(t.due), { "class": "mono" }), short(t.label, 60)], { "data-testid": "timer-row" });
    }));
    $("registry").hidden = !o.registry;
    if (o.registry) fill("registry-body", "registry-empty", o.registry.images.map(function (i) {
      return row([short(i.repository + (i.tag ? ":" + i.tag : ""), 60, { "class": "mono" }), short(i.digest, 28, { "class": "mono", "data-testid": "image-digest" })], { "data-testid": "image-row" });
    }));
    renderDetail();
    if (selected) loadDetail();
  }

  function setStatus(text, cls) { var s = $("status"); s.textContent = text; s.className = cls; }
  function startPolling() {
    if (pollTimer) return;
    setStatus("polling", "polling");
    refresh();
    pollTimer = setInterval(refresh, 1000);
  }
  function connect() {
    if (typeof EventSource === "undefined") return startPolling();
    source = new EventSource(BASE + "/events" + (TOKEN ? "?token=" + encodeURIComponent(TOKEN) : ""));
    source.addEventListener("overview", function (ev) {
      setStatus("live", "live");
      try { render(JSON.parse(ev.data)); } catch (e) { /* keep the last good render */ }
    });
    source.onerror = function () {
      if (source) source.close();
      source = null;
      startPolling();
    };
  }

  // ---- actions ----
  $("fault-phase").addEventListener("change", updateEffects);
  $("fault-effect").addEventListener("change", updateFields);
  $("fault-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var t = $("fault-effect").value;
    var effect = { type: t };
    if (t === "error") {
      effect.code = $("fault-code").value.trim();
      if ($("fault-status").value !== "") effect.status = Number($("fault-status").value);
    }
    if (t === "latency") effect.ms = Number($("fault-ms").value || 0);
    if (t === "hold" && $("fault-ms").value !== "") effect.ms = Number($("fault-ms").value);
    var match = { phase: $("fault-phase").value };
    var glob = $("fault-fn").value.trim();
    if (glob) match.functionName = glob;
    var body = { match: match, effect: effect };
    if ($("fault-times").value !== "") body.times = Number($("fault-times").value);
    if ($("fault-probability").value !== "") body.probability = Number($("fault-probability").value);
    act(function () { return api("POST", "/faults", body); });
  });
  $("advance-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var ms = Math.round(Number($("advance-amount").value || 0) * Number($("advance-unit").value));
    act(function () { return api("POST", "/clock/advance", { ms: ms }); });
  });
  var resetArmed = null;
  $("reset-btn").addEventListener("click", function () {
    var b = $("reset-btn");
    // Two clicks instead of confirm(): a dialog would block a test's browser.
    if (!resetArmed) {
      b.textContent = "Click again to reset";
      resetArmed = setTimeout(function () { resetArmed = null; b.textContent = "Reset"; }, 4000);
      return;
    }
    clearTimeout(resetArmed);
    resetArmed = null;
    b.textContent = "Reset";
    selected = null;
    detail = null;
    $("mark-detail").hidden = true;
    act(function () { return api("POST", "/reset"); });
  });
  $("invoke-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var out = $("invoke-result");
    var q = $("invoke-qualifier").value.trim();
    act(async function () {
      try {
        var r = await api("POST", "/functions/" + encodeURIComponent(selected) + "/invoke" + (q ? "?qualifier=" + encodeURIComponent(q) : ""), $("invoke-body").value, true);
        out.textContent = r.status + (r.errorType ? " " + r.errorType : "") + " · " + r.qualifier + " · " + duration(r.durationMs) + " · " + r.requestId + "\\n" + r.body;
      } catch (e) {
        out.textContent = e.message;
      }
      out.hidden = false;
    });
  });
  $("release-btn").addEventListener("click", function () {
    act(function () { return api("POST", "/functions/" + encodeURIComponent(selected) + "/release"); });
  });
  $("scenario-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var s = $("scenario-select").value;
    act(function () { return api("POST", "/scenarios/" + encodeURIComponent(s) + "?functionName=" + encodeURIComponent(selected)); });
  });

  api("GET", "/faults/capabilities").then(function (c) { caps = c; renderCapabilities(); }, function (e) { showError(e.message); });
  connect();
  refresh();
})();
</script>
</body>
</html>
`;
