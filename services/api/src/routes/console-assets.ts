// The console's page and script, served as they are (no build step). The script builds every
// element with createElement/textContent: data never passes through innerHTML. The page's CSP
// allows only this script (no inline script), so injected markup could not run anyway.

export const CONSOLE_HTML = `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>社会救助预警 · 工作台</title>
<style>
  body { font: 14px/1.45 system-ui, "PingFang SC", "Microsoft YaHei", sans-serif; margin: 0; color: #1f2328; }
  header { background: #24425f; color: #fff; padding: 10px 16px; display: flex; gap: 12px; align-items: center; flex-wrap: wrap; }
  header h1 { font-size: 16px; margin: 0 12px 0 0; }
  header input { width: 22em; }
  main { padding: 12px 16px; }
  section { margin-bottom: 24px; }
  h2 { font-size: 15px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
  table { border-collapse: collapse; width: 100%; }
  th, td { border-bottom: 1px solid #eaeef2; padding: 4px 6px; text-align: left; vertical-align: top; }
  th { background: #f6f8fa; }
  .overdue { color: #b42318; font-weight: 600; }
  .sev-high { color: #b42318; } .sev-medium { color: #b54708; } .sev-low { color: #475467; }
  .msg { padding: 6px 10px; border-radius: 4px; margin: 8px 0; }
  .msg.error { background: #fee4e2; } .msg.ok { background: #dcfae6; }
  .panel { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 4px; padding: 8px 12px; }
  form.inline { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin-bottom: 8px; }
  [hidden] { display: none !important; }
  code { font-size: 12px; }
</style>
</head>
<body>
<header>
  <h1>社会救助预警 · 工作台</h1>
  <form id="signin" class="inline">
    <label>Token <input id="token" type="password" autocomplete="off" spellcheck="false" placeholder="ew_…"></label>
    <button type="submit">Sign in</button>
    <button type="button" id="signout">Sign out</button>
  </form>
  <span id="who"></span>
</header>
<main>
  <div id="message" class="msg" hidden></div>

  <section id="tasks" hidden>
    <h2>Task queue / 核查任务</h2>
    <form id="task-filter" class="inline">
      <label><input type="checkbox" id="only-overdue"> overdue only</label>
      <label><input type="checkbox" id="only-mine"> assigned to me</label>
      <button type="submit">Refresh</button>
    </form>
    <table>
      <thead><tr><th>#</th><th>Household</th><th>Town</th><th>Severity</th><th>Due</th><th>Status</th><th>Assigned</th><th>Signals</th><th></th></tr></thead>
      <tbody id="task-rows"></tbody>
    </table>
    <div id="task-detail" class="panel" hidden></div>
  </section>

  <section id="imports" hidden>
    <h2>Imports / 数据导入</h2>
    <form id="upload" class="inline" hidden>
      <label>Feed <select name="feed">
        <option>hr</option><option>education</option><option>housing</option><option>medical</option><option>rural</option>
      </select></label>
      <label>Period <input name="period" placeholder="2023-03" size="10" required></label>
      <label><input type="checkbox" name="replace" value="true"> replace the delivery</label>
      <input type="file" name="file" required>
      <button type="submit">Upload</button>
    </form>
    <table>
      <thead><tr><th>#</th><th>Feed</th><th>Period</th><th>File</th><th>Status</th><th>Read</th><th>Accepted</th><th>Rejected</th><th>By</th><th></th></tr></thead>
      <tbody id="import-rows"></tbody>
    </table>
    <div id="import-report" class="panel" hidden></div>
  </section>
</main>
<script src="/console.js"></script>
</body>
</html>
`;

export const CONSOLE_JS = String.raw`'use strict';
(function () {
  var TOKEN_KEY = 'ew.token';
  var me = null;

  function $(id) { return document.getElementById(id); }

  /** An element with text children only: strings become text nodes, never markup. */
  function el(tag, attrs) {
    var e = document.createElement(tag);
    var keys = attrs ? Object.keys(attrs) : [];
    for (var i = 0; i < keys.length; i++) {
      var k = keys[i], v = attrs[k];
      if (v === undefined || v === null) continue;
      if (k === 'class') e.className = v;
      else if (k === 'onclick') e.addEventListener('click', v);
      else e.setAttribute(k, String(v));
    }
    for (var j = 2; j < arguments.length; j++) {
      var c = arguments[j];
      if (c === undefined || c === null) continue;
      e.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function when(v) { return v ? new Date(v).toLocaleString() : ''; }

  function show(text, kind) {
    var m = $('message');
    m.textContent = text;
    m.className = 'msg ' + (kind || 'error');
    m.hidden = !text;
  }

  function token() { return sessionStorage.getItem(TOKEN_KEY) || ''; }

  async function api(path, options) {
    options = options || {};
    var headers = Object.assign({ authorization: 'Bearer ' + token() }, options.headers || {});
    var res = await fetch(path, Object.assign({}, options, { headers: headers }));
    if (!res.ok) {
      var body = null;
      try { body = await res.json(); } catch (e) { body = null; }
      var err = body && body.error ? body.error : { code: 'HTTP_' + res.status, message: res.statusText };
      var error = new Error(err.code + ': ' + err.message);
      error.status = res.status;
      throw error;
    }
    return res;
  }
  async function json(path, options) { return (await api(path, options)).json(); }

  // ---- tasks ----
  async function loadTasks() {
    var params = new URLSearchParams();
    if ($('only-overdue').checked) params.set('overdue', 'true');
    if ($('only-mine').checked) params.set('mine', 'true');
    var data = await json('/tasks?' + params.toString());
    var body = $('task-rows');
    clear(body);
    data.tasks.forEach(function (t) {
      var actions = el('td', null, el('button', { type: 'button', onclick: function () { run(showTask(t.taskId)); } }, 'Details'));
      if (me.role === 'CASEWORKER' && t.status === 'NEW') {
        actions.appendChild(el('button', { type: 'button', onclick: function () { run(claim(t.taskId)); } }, 'Claim'));
      }
      body.appendChild(el('tr', null,
        el('td', null, t.taskId),
        el('td', null, t.householdNo),
        el('td', null, t.town),
        el('td', { class: 'sev-' + t.severity }, t.severity),
        el('td', { class: t.overdue ? 'overdue' : null }, when(t.dueAt) + (t.overdue ? ' (overdue)' : '')),
        el('td', null, t.status),
        el('td', null, t.assignedTo || ''),
        el('td', null, t.codes.join(', ')),
        actions));
    });
    if (data.tasks.length === 0) body.appendChild(el('tr', null, el('td', { colspan: '9' }, 'No tasks.')));
  }

  async function showTask(id) {
    var t = await json('/tasks/' + encodeURIComponent(id));
    var box = $('task-detail');
    clear(box);
    box.appendChild(el('h3', null, 'Task ' + t.taskId + ' · household ' + t.householdNo + ' · ' + t.town));
    box.appendChild(el('p', null, 'Status ' + t.status + ', severity ' + t.severity + ', due ' + when(t.dueAt)));
    t.alerts.forEach(function (a) {
      box.appendChild(el('h4', null, 'Alert ' + a.id + ' (' + a.severity + ', ' + a.status + ')'));
      var rows = el('tbody');
      a.signals.forEach(function (s) {
        var src = s.source.kind === 'feed'
          ? s.source.feed + ' ' + (s.source.fileName || '') + ' row ' + (s.source.rowNo === null ? '?' : s.source.rowNo) + ' (' + (s.source.matchMethod || '') + ')'
          : 'register ' + (s.source.trigger || '');
        rows.appendChild(el('tr', null,
          el('td', null, s.code),
          el('td', null, s.rule || ''),
          el('td', { class: 'sev-' + s.severity }, s.severity),
          el('td', null, s.sourcePeriod),
          el('td', null, s.person ? s.person.name + ' ' + s.person.idNumber : ''),
          el('td', null, el('code', null, JSON.stringify(s.values))),
          el('td', null, src)));
      });
      box.appendChild(el('table', null,
        el('thead', null, el('tr', null, el('th', null, 'Code'), el('th', null, 'Rule'), el('th', null, 'Severity'),
          el('th', null, 'Period'), el('th', null, 'Person'), el('th', null, 'Values'), el('th', null, 'Source'))),
        rows));
    });
    var history = el('ul');
    t.events.forEach(function (e) {
      history.appendChild(el('li', null, when(e.at) + ' ' + (e.from || '—') + ' → ' + e.to + ' by ' + e.actor + (e.note ? ': ' + e.note : '')));
    });
    box.appendChild(el('h4', null, 'History'));
    box.appendChild(history);
    box.hidden = false;
  }

  async function claim(id) {
    await json('/tasks/' + encodeURIComponent(id) + '/claim', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}',
    });
    show('Task ' + id + ' claimed.', 'ok');
    await loadTasks();
  }

  // ---- imports ----
  async function loadImports() {
    var data = await json('/imports?limit=20');
    var body = $('import-rows');
    clear(body);
    data.imports.forEach(function (i) {
      body.appendChild(el('tr', null,
        el('td', null, i.importId), el('td', null, i.feed), el('td', null, i.period), el('td', null, i.fileName),
        el('td', null, i.status + (i.errorCode ? ' (' + i.errorCode + ')' : '')),
        el('td', null, i.rowsRead), el('td', null, i.rowsAccepted), el('td', null, i.rowsRejected),
        el('td', null, i.requestedBy || ''),
        el('td', null,
          el('button', { type: 'button', onclick: function () { run(showReport(i.importId)); } }, 'Report'),
          el('button', { type: 'button', onclick: function () { run(downloadRejects(i.importId)); } }, 'Rejects CSV'))));
    });
    if (data.imports.length === 0) body.appendChild(el('tr', null, el('td', { colspan: '10' }, 'No imports.')));
  }

  async function showReport(id) {
    var r = await json('/imports/' + encodeURIComponent(id));
    var box = $('import-report');
    clear(box);
    box.appendChild(el('h3', null, 'Import ' + r.importId + ' · ' + r.feed + ' ' + r.period + ' · ' + r.fileName));
    var facts = [
      ['Status', r.status + (r.error ? ' — ' + r.error.code + ': ' + r.error.message : '')],
      ['Format / encoding', (r.format || '?') + ' / ' + (r.encoding || '?')],
      ['Rows read / accepted / rejected / duplicate', [r.rowsRead, r.rowsAccepted, r.rowsRejected, r.rowsDuplicate].join(' / ')],
      ['Since previous delivery (new / changed / gone)', [r.delta.new, r.delta.changed, r.delta.gone].map(function (x) { return x === null ? '–' : x; }).join(' / ')],
      ['Matched by method', JSON.stringify(r.matchedByMethod)],
      ['Open reviews', r.reviewsOpen],
      ['Signals by code', JSON.stringify(r.signalsByCode)],
      ['Alerts raised', r.alertsRaised],
    ];
    var dl = el('table');
    facts.forEach(function (f) { dl.appendChild(el('tr', null, el('th', null, f[0]), el('td', null, f[1]))); });
    box.appendChild(dl);
    r.rejectsByReason.forEach(function (g) {
      box.appendChild(el('h4', null, g.reason + ' — ' + g.rows + ' rows'));
      var ul = el('ul');
      g.examples.forEach(function (e) {
        ul.appendChild(el('li', null, 'row ' + e.rowNo + (e.column ? ' [' + e.column + ']' : '') + ' ' + (e.value || '') + ': ' + e.message));
      });
      box.appendChild(ul);
    });
    box.hidden = false;
  }

  async function downloadRejects(id) {
    var res = await api('/imports/' + encodeURIComponent(id) + '/rejects.csv');
    var blob = await res.blob();
    var url = URL.createObjectURL(blob);
    var a = el('a', { href: url, download: 'import-' + id + '-rejects.csv' });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  async function upload(form) {
    var data = new FormData(form);
    if (!form.elements.replace.checked) data.delete('replace');
    var res = await api('/imports', { method: 'POST', body: data });
    var r = await res.json();
    show('Import ' + r.importId + ': ' + r.outcome, 'ok');
    form.reset();
    await loadImports();
  }

  // ---- session ----
  async function start() {
    show('');
    $('tasks').hidden = true;
    $('imports').hidden = true;
    $('who').textContent = '';
    me = null;
    if (!token()) { show('Enter your token to sign in.', 'ok'); return; }
    try {
      me = await json('/me');
    } catch (e) {
      show(e.message);
      return;
    }
    $('who').textContent = me.displayName + ' (' + me.role + (me.town ? ', ' + me.town : '') + ')';
    if (me.role === 'CASEWORKER' || me.role === 'SUPERVISOR') {
      $('tasks').hidden = false;
      await loadTasks();
    }
    if (me.role === 'DATA_ADMIN' || me.role === 'SUPERVISOR') {
      $('imports').hidden = false;
      $('upload').hidden = me.role !== 'DATA_ADMIN';
      await loadImports();
    }
    if (me.role === 'OPS') show('Operations: see /health, /metrics and /queues.', 'ok');
  }

  function run(promise) {
    promise.catch(function (e) { show(e.message); });
  }

  $('signin').addEventListener('submit', function (ev) {
    ev.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
    $('token').value = '';
    run(start());
  });
  $('signout').addEventListener('click', function () {
    sessionStorage.removeItem(TOKEN_KEY);
    clear($('task-rows')); clear($('import-rows'));
    $('task-detail').hidden = true; $('import-report').hidden = true;
    run(start());
  });
  $('task-filter').addEventListener('submit', function (ev) { ev.preventDefault(); run(loadTasks()); });
  $('upload').addEventListener('submit', function (ev) { ev.preventDefault(); run(upload(ev.target)); });
  run(start());
})();
`;
