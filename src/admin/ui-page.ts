/**
 * @module
 * The dashboard page: one self-contained HTML document (inline CSS and vanilla JS, no build step).
 * Data only ever reaches the DOM through textContent / attributes, never innerHTML.
 */
export const UI_PAGE = /* html */ `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>localfc</title>
<style>
  :root { --bg:#f6f7f9; --card:#fff; --line:#e3e6ea; --text:#1d2330; --muted:#6b7280; --accent:#ff6a00; }
  * { box-sizing: border-box; }
  [hidden] { display: none !important; }
  body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; background:var(--bg); color:var(--text); }
  header { display:flex; align-items:center; gap:16px; flex-wrap:wrap; padding:10px 20px; background:#1d2330; color:#fff; }
  header h1 { font-size:17px; margin:0; font-weight:600; }
  header h1 span { color:var(--accent); }
  header .meta { color:#c8cdd6; font-size:13px; }
  header form { margin-left:auto; display:flex; gap:6px; align-items:center; }
  main { display:grid; grid-template-columns: minmax(0,3fr) minmax(0,2fr); gap:16px; padding:16px 20px; }
  section { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:12px 14px; min-width:0; }
  section h2 { font-size:14px; margin:0 0 8px; text-transform:uppercase; letter-spacing:.04em; color:var(--muted); }
  .wide { grid-column: 1 / -1; }
  table { width:100%; border-collapse:collapse; }
  th, td { text-align:left; padding:5px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
  th { font-weight:600; font-size:12px; color:var(--muted); }
  td.mono, .mono { font-family:ui-monospace,SFMono-Regular,Menlo,monospace; font-size:12px; }
  tr.fn { cursor:pointer; }
  tr.fn:hover { background:#fafbfc; }
  tr.fn.selected { background:#fff4ec; }
  .badge { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px; font-weight:600; background:#e5e7eb; color:#374151; }
  .b-Active, .b-Successful { background:#dcfce7; color:#166534; }
  .b-Pending, .b-InProgress { background:#fef3c7; color:#92400e; }
  .b-Inactive { background:#e0e7ff; color:#3730a3; }
  .b-Failed { background:#fee2e2; color:#991b1b; }
  .k-fault { color:#991b1b; font-weight:600; }
  .k-invocation { color:#1d4ed8; }
  .empty { color:var(--muted); font-style:italic; padding:6px 0; }
  input, select, button { font:inherit; padding:4px 8px; border:1px solid #cbd0d8; border-radius:5px; background:#fff; color:var(--text); }
  input[type=number] { width:90px; }
  button { cursor:pointer; background:#f3f4f6; }
  button.primary { background:var(--accent); border-color:var(--accent); color:#fff; }
  form.fault { display:flex; flex-wrap:wrap; gap:8px; align-items:end; margin-top:10px; }
  form.fault label { display:flex; flex-direction:column; font-size:12px; color:var(--muted); gap:2px; }
  #status { font-size:12px; padding:1px 8px; border-radius:10px; background:#374151; }
  #status.live { background:#166534; }
  #status.polling { background:#92400e; }
  #error { color:#991b1b; font-size:13px; min-height:1em; margin-top:6px; }
  @media (max-width: 900px) { main { grid-template-columns: 1fr; } }
</style>
</head>
<body>
<header>
  <h1><span>local</span>fc</h1>
  <div class="meta">clock <b data-testid="clock-kind" id="clock-kind">?</b> · now <span class="mono" data-testid="clock-now" id="clock-now">?</span> · timers <span data-testid="timer-count" id="timer-count">0</span></div>
  <span id="status" data-testid="conn-status">connecting</span>
  <form id="advance-form" data-testid="advance-form" hidden>
    <label class="meta" for="advance-ms">advance clock (ms)</label>
    <input id="advance-ms" data-testid="advance-ms" type="number" min="0" step="1" value="1000">
    <button class="primary" type="submit" data-testid="advance-btn">Advance</button>
  </form>
</header>
<main>
  <section>
    <h2>Functions</h2>
    <table data-testid="functions">
      <thead><tr><th>Name</th><th>State</th><th>Last update</th><th>Reason</th><th>Runtime</th><th>Checksum / image</th></tr></thead>
      <tbody id="functions-body"></tbody>
    </table>
    <div id="functions-empty" class="empty">No functions yet.</div>
  </section>
  <section>
    <h2>Fault rules</h2>
    <table data-testid="faults">
      <thead><tr><th>Id</th><th>Match</th><th>Effect</th><th>Fired / left</th><th></th></tr></thead>
      <tbody id="faults-body"></tbody>
    </table>
    <div id="faults-empty" class="empty">No fault rules.</div>
    <form id="fault-form" class="fault" data-testid="fault-form">
      <label>phase
        <select id="fault-phase" data-testid="fault-phase">
          <option>preparation</option><option>update</option><option>image</option><option>coldStart</option>
          <option>initializer</option><option>invocation</option><option>api</option>
        </select>
      </label>
      <label>function glob <input id="fault-fn" data-testid="fault-fn" value="*" size="10"></label>
      <label>effect
        <select id="fault-effect" data-testid="fault-effect">
          <option value="error">error</option><option value="hold">hold</option><option value="latency">latency</option>
        </select>
      </label>
      <label id="fault-code-label">error code <input id="fault-code" data-testid="fault-code" value="ImageAccessDenied" size="16"></label>
      <label id="fault-ms-label" hidden>ms <input id="fault-ms" data-testid="fault-ms" type="number" min="0" value="1000"></label>
      <label>times <input id="fault-times" data-testid="fault-times" type="number" min="1" placeholder="∞"></label>
      <button class="primary" type="submit" data-testid="fault-add">Add fault</button>
    </form>
    <div id="error" data-testid="error" role="alert"></div>
  </section>
  <section class="wide" id="detail" data-testid="detail">
    <h2>Timeline <span id="detail-name" data-testid="detail-name" class="mono"></span></h2>
    <div id="detail-empty" class="empty">Click a function to see its transitions, faults and invocations.</div>
    <table id="timeline" data-testid="timeline" hidden>
      <thead><tr><th>Time</th><th>Kind</th><th>Event</th><th>State</th><th>Update</th><th>Reason code</th><th>Fault rule</th><th>Detail</th></tr></thead>
      <tbody id="timeline-body"></tbody>
    </table>
    <h2 style="margin-top:12px">Recent invocations</h2>
    <table data-testid="invocations">
      <thead><tr><th>Time</th><th>Event</th><th>Detail</th></tr></thead>
      <tbody id="invocations-body"></tbody>
    </table>
    <div id="invocations-empty" class="empty">None.</div>
  </section>
  <section>
    <h2>Instances</h2>
    <table data-testid="instances">
      <thead><tr><th>Instance</th><th>Revision</th><th>Busy</th><th>Created</th></tr></thead>
      <tbody id="instances-body"></tbody>
    </table>
    <div id="instances-empty" class="empty">No instances.</div>
  </section>
  <section>
    <h2>Pending timers</h2>
    <table data-testid="timers">
      <thead><tr><th>Due</th><th>Label</th></tr></thead>
      <tbody id="timers-body"></tbody>
    </table>
    <div id="timers-empty" class="empty">No timers.</div>
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
  var pollTimer = null;
  var source = null;

  function $(id) { return document.getElementById(id); }
  function el(tag, text, attrs) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (attrs) for (var k in attrs) if (attrs[k] !== undefined && attrs[k] !== null) e.setAttribute(k, String(attrs[k]));
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
      if (c && typeof c === "object" && c.nodeType) td.appendChild(c); else td.textContent = c == null ? "" : String(c);
      tr.appendChild(td);
    });
    return tr;
  }
  function fill(bodyId, emptyId, rows) {
    var body = $(bodyId);
    body.replaceChildren.apply(body, rows);
    if (emptyId) $(emptyId).hidden = rows.length > 0;
  }
  function showError(msg) { $("error").textContent = msg || ""; }
  function shortTime(iso) { return typeof iso === "string" ? iso.replace("T", " ").replace(/\\.\\d+Z$|Z$/, "") : ""; }
  function compact(obj) {
    if (!obj) return "";
    try { return JSON.stringify(obj); } catch (e) { return String(obj); }
  }
  function effectText(e) {
    if (!e) return "";
    if (e.type === "error") return "error " + e.code + (e.status ? " (" + e.status + ")" : "");
    if (e.type === "latency") return "latency " + e.ms + " ms";
    if (e.type === "hold") return "hold" + (e.ms != null ? " " + e.ms + " ms" : "");
    return e.type;
  }

  async function api(method, path, body) {
    var res = await fetch(BASE + path, {
      method: method,
      headers: Object.assign(body === undefined ? {} : { "content-type": "application/json" }, TOKEN ? { authorization: "Bearer " + TOKEN } : {}),
      body: body === undefined ? undefined : JSON.stringify(body)
    });
    var text = await res.text();
    var data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
    if (!res.ok) throw new Error((data && (data.Code || data.code) ? (data.Code || data.code) + ": " : "") + ((data && (data.Message || data.message)) || res.status + " " + res.statusText));
    return data;
  }
  async function refresh() {
    try { render(await api("GET", "/overview")); } catch (e) { setStatus("offline", "offline"); }
  }

  function renderFunctions(fns) {
    fill("functions-body", "functions-empty", fns.map(function (f) {
      var n = f.functionName;
      var tr = row([
        el("span", n, { "class": "mono", "data-testid": "fn-" + n + "-name" }),
        badge(f.state, "fn-" + n + "-state"),
        badge(f.lastUpdateStatus, "fn-" + n + "-update"),
        el("span", [f.stateReasonCode, f.lastUpdateStatusReasonCode].filter(function (r, i, a) { return r && a.indexOf(r) === i; }).join(" / "), { "data-testid": "fn-" + n + "-reason", title: f.stateReason || "" }),
        f.runtime,
        el("span", f.resolvedImageUri || f.codeChecksum, { "class": "mono" })
      ], { "data-testid": "fn-" + n, "data-name": n });
      tr.className = "fn" + (n === selected ? " selected" : "");
      tr.addEventListener("click", function () { selected = n; if (last) render(last); });
      return tr;
    }));
  }

  function renderDetail(fns) {
    var f = null;
    for (var i = 0; i < fns.length; i++) if (fns[i].functionName === selected) f = fns[i];
    $("detail-name").textContent = f ? f.functionName : (selected ? selected + " (deleted)" : "");
    $("detail-empty").hidden = !!f;
    $("timeline").hidden = !f;
    var entries = f ? f.timeline.slice().reverse() : [];
    fill("timeline-body", null, entries.map(function (t) {
      var detail = t.detail || {};
      var kind = el("span", t.kind);
      kind.className = "k-" + t.kind;
      var tr = row([
        el("span", shortTime(t.time), { "class": "mono" }),
        kind,
        el("span", t.event, { "class": "mono" }),
        t.state ? badge(t.state, "tl-state") : "",
        t.lastUpdateStatus ? badge(t.lastUpdateStatus, "tl-update") : "",
        el("span", t.reasonCode || "", { title: t.reason || "" }),
        el("span", detail.rule || "", { "class": "mono" }),
        el("span", t.reason || compact(detail.rule ? detail.effect : t.detail), { "class": "mono" })
      ], { "data-testid": "timeline-row", "data-kind": t.kind });
      return tr;
    }));
    var inv = f ? f.invocations.slice().reverse() : [];
    fill("invocations-body", "invocations-empty", inv.map(function (t) {
      return row([el("span", shortTime(t.time), { "class": "mono" }), t.event, el("span", compact(t.detail), { "class": "mono" })], { "data-testid": "invocation-row" });
    }));
  }

  function renderFaults(faults) {
    fill("faults-body", "faults-empty", faults.map(function (r) {
      var m = r.match || {};
      var match = [m.phase, m.functionName, m.operation, m.qualifier].filter(Boolean).join(" · ") || "everything";
      var btn = el("button", "Remove", { type: "button", "data-testid": "fault-" + r.id + "-remove" });
      btn.addEventListener("click", async function () {
        btn.disabled = true;
        try { await api("DELETE", "/faults/" + encodeURIComponent(r.id)); showError(""); } catch (e) { showError(e.message); }
        refresh();
      });
      var left = r.remaining != null ? r.remaining : "∞";
      return row([el("span", r.id + " (" + r.source + ")", { "class": "mono" }), match, effectText(r.effect), r.fired + " / " + left, btn], { "data-testid": "fault-" + r.id });
    }));
  }

  function render(o) {
    last = o;
    $("clock-kind").textContent = o.clock;
    $("clock-now").textContent = o.now;
    $("timer-count").textContent = String((o.timers || []).length);
    $("advance-form").hidden = o.clock !== "manual";
    var fns = o.functions || [];
    renderFunctions(fns);
    renderDetail(fns);
    renderFaults(o.faults || []);
    fill("instances-body", "instances-empty", (o.instances || []).map(function (i) {
      return row([el("span", i.instanceId, { "class": "mono" }), el("span", i.revisionKey, { "class": "mono" }), i.busy, i.createdTimeMs ? new Date(i.createdTimeMs).toISOString() : ""], { "data-testid": "instance-row" });
    }));
    fill("timers-body", "timers-empty", (o.timers || []).map(function (t) {
      return row([el("span", t.due || "", { "class": "mono" }), t.label], { "data-testid": "timer-row" });
    }));
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

  $("fault-effect").addEventListener("change", function () {
    var t = $("fault-effect").value;
    $("fault-code-label").hidden = t !== "error";
    $("fault-ms-label").hidden = t === "error";
  });
  $("fault-form").addEventListener("submit", async function (ev) {
    ev.preventDefault();
    var t = $("fault-effect").value;
    var effect;
    if (t === "error") effect = { type: "error", code: $("fault-code").value.trim() };
    else if (t === "latency") effect = { type: "latency", ms: Number($("fault-ms").value || 0) };
    else effect = $("fault-ms").value === "" ? { type: "hold" } : { type: "hold", ms: Number($("fault-ms").value) };
    var match = { phase: $("fault-phase").value };
    var glob = $("fault-fn").value.trim();
    if (glob) match.functionName = glob;
    var body = { match: match, effect: effect };
    var times = $("fault-times").value;
    if (times !== "") body.times = Number(times);
    try { await api("POST", "/faults", body); showError(""); } catch (e) { showError(e.message); }
    refresh();
  });
  $("advance-form").addEventListener("submit", async function (ev) {
    ev.preventDefault();
    try { await api("POST", "/clock/advance", { ms: Number($("advance-ms").value || 0) }); showError(""); } catch (e) { showError(e.message); }
    refresh();
  });

  connect();
  refresh();
})();
</script>
</body>
</html>
`;
