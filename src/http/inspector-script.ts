/**
 * The savepoint inspector's script, served at `/inspector.js`: plain
 * browser JavaScript, no build step, no asset from the internet. It reads
 * the admin API and routes by the URL hash (`#/run/ID`, `#/run/ID/sp/TS`,
 * `#/run/ID/sp/TS/entity/EID`, `#/run/ID/diff/TS1/TS2`).
 *
 * @packageDocumentation
 */
export const INSPECTOR_JS = String.raw`
'use strict';
const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'text') node.textContent = v; else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
};
const enc = encodeURIComponent;
let token = sessionStorage.getItem('runstate-token');

async function api(path) {
  const headers = token ? { authorization: 'Bearer ' + token } : {};
  const res = await fetch(path, { headers });
  if (res.status === 401) {
    token = prompt('This inspector needs its bearer token:');
    if (token) { sessionStorage.setItem('runstate-token', token); return api(path); }
  }
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ? body.error.code + ': ' + body.error.message : res.statusText);
  return body;
}

const fmtDate = (d) => (d ? d.replace('T', ' ').replace('.000Z', 'Z') : '');
const fmtBytes = (n) => n < 1024 ? n + ' B' : n < 1048576 ? (n / 1024).toFixed(1) + ' KiB' : (n / 1048576).toFixed(1) + ' MiB';

function show(title, ...content) {
  const view = $('#view');
  view.replaceChildren(el('h2', { text: title }), ...content);
}
function fail(error) { show('Error', el('p', { class: 'error', text: String(error.message || error) })); }

async function loadRuns() {
  const { runs, total } = await api('/api/runs');
  const here = location.hash;
  $('#runs').replaceChildren(...runs.map((r) => {
    const href = '#/run/' + enc(r.runId);
    const a = el('a', { href, 'data-run': r.runId }, el('div', { text: r.runId }),
      el('div', { class: 'muted', text: r.savepoints + ' savepoints · ' + fmtDate(r.newestDate) }));
    if (here.startsWith(href + '/') || here === href) a.classList.add('selected');
    return el('li', {}, a);
  }));
  $('#run-count').textContent = total + (total === 1 ? ' run' : ' runs');
}

function timeline(runId, savepoints, selected) {
  const line = el('div', { class: 'timeline', 'aria-label': 'savepoint timeline' });
  const ts = savepoints.map((s) => s.timestamp);
  const lo = Math.min(...ts), hi = Math.max(...ts), span = hi - lo || 1;
  for (const s of savepoints) {
    const a = el('a', { href: '#/run/' + enc(runId) + '/sp/' + s.timestamp, title: s.timestamp + ' ' + fmtDate(s.date), 'data-ts': String(s.timestamp) });
    a.style.left = (savepoints.length === 1 ? 50 : 2 + 96 * (s.timestamp - lo) / span) + '%';
    if (s.timestamp === selected) a.classList.add('selected');
    line.append(a);
  }
  return line;
}

async function runView(runId, selected, pair) {
  const { savepoints } = await api('/api/runs/' + enc(runId) + '/savepoints');
  const rows = savepoints.map((s) => el('tr', {},
    el('td', {}, el('a', { href: '#/run/' + enc(runId) + '/sp/' + s.timestamp, text: String(s.timestamp) })),
    el('td', { class: 'muted', text: fmtDate(s.date) })));
  const from = el('select', { id: 'diff-from' }), to = el('select', { id: 'diff-to' });
  for (const s of savepoints) { from.append(el('option', { value: s.timestamp, text: s.timestamp })); to.append(el('option', { value: s.timestamp, text: s.timestamp })); }
  if (savepoints.length > 1) { from.selectedIndex = savepoints.length - 2; to.selectedIndex = savepoints.length - 1; }
  if (pair) { from.value = String(pair[0]); to.value = String(pair[1]); }
  const go = el('button', { id: 'diff-go', text: 'Diff' });
  go.onclick = () => { location.hash = '#/run/' + enc(runId) + '/diff/' + from.value + '/' + to.value; };
  return [timeline(runId, savepoints, selected),
    el('p', {}, 'Compare ', from, ' with ', to, ' ', go),
    el('table', { id: 'savepoints' }, el('tr', {}, el('th', { text: 'timestamp' }), el('th', { text: 'date' })), ...rows)];
}

async function savepointView(runId, ts) {
  const top = await runView(runId, ts);
  const sp = await api('/api/runs/' + enc(runId) + '/savepoints/' + ts);
  const rows = sp.entities.map((e) => el('tr', {},
    el('td', {}, el('a', { href: '#/run/' + enc(runId) + '/sp/' + ts + '/entity/' + enc(e.id), text: e.id })),
    el('td', { class: 'num', text: fmtBytes(e.bytes) })));
  show('Run ' + runId + ' · savepoint ' + ts, ...top,
    el('h2', { text: sp.entityCount + ' entities · ' + fmtBytes(sp.bytes) + ' · ' + fmtDate(sp.date) }),
    el('table', { id: 'entities' }, el('tr', {}, el('th', { text: 'entity' }), el('th', { text: 'size' })), ...rows));
}

const tagOf = (v) => (v !== null && typeof v === 'object' && !Array.isArray(v) && typeof v.$ === 'string' ? v.$ : undefined);
const keyText = (k) => (k !== null && typeof k === 'object' ? JSON.stringify(k) : String(k));

function leaf(label, text, cls) {
  return el('div', { class: 'leaf' }, ...label, el('span', { class: cls, text }));
}

function branch(label, note, entries) {
  const node = el('details', { open: '' }, el('summary', {}, ...label, el('span', { class: 'muted', text: note })));
  for (const [k, v] of entries) node.append(tree(v, k));
  return node;
}

function tree(value, key) {
  const label = key === undefined ? [] : [el('span', { class: 'key', text: key + ': ' })];
  const tag = tagOf(value);
  if (tag === 'Map') return branch(label, 'Map(' + value.entries.length + ')', value.entries.map(([k, v]) => [keyText(k), v]));
  if (tag === 'Set') return branch(label, 'Set(' + value.values.length + ')', value.values.map((v, i) => [String(i), v]));
  if (tag === 'undefined') return leaf(label, 'undefined', 'num');
  if (tag !== undefined && 'value' in value && (value.value === null || typeof value.value !== 'object')) {
    return leaf(label, tag + ' ' + value.value, 'num');
  }
  if (value === null || typeof value !== 'object') {
    return leaf(label, JSON.stringify(value), typeof value === 'string' ? 'str' : 'num');
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  return branch(label, Array.isArray(value) ? '[' + entries.length + ']' : '{' + entries.length + '}', entries);
}

async function entityView(runId, ts, id) {
  const state = await api('/api/runs/' + enc(runId) + '/savepoints/' + ts + '/entities/' + enc(id));
  show('Run ' + runId + ' · savepoint ' + ts + ' · entity ' + id,
    el('p', {}, el('a', { href: '#/run/' + enc(runId) + '/sp/' + ts, text: '← entities' })),
    el('div', { class: 'tree', id: 'state' }, tree(state)));
}

async function diffView(runId, a, b) {
  const d = await api('/api/runs/' + enc(runId) + '/diff?from=' + a + '&to=' + b);
  const diffOf = (id) => '#/run/' + enc(runId) + '/diff/' + a + '/' + b + '/entity/' + enc(id);
  const stateOf = (id, ts) => '#/run/' + enc(runId) + '/sp/' + ts + '/entity/' + enc(id);
  const list = (cls, ids) => ids.map((id) => el('li', { class: cls, 'data-entity': id }, el('span', { text: cls + ' ' }),
    el('a', { href: cls === 'changed' ? diffOf(id) : stateOf(id, cls === 'removed' ? a : b), text: id })));
  show('Run ' + runId + ' · diff ' + a + ' → ' + b, ...(await runView(runId, undefined, [a, b])),
    el('p', { id: 'diff-summary', text: d.counts.added + ' added, ' + d.counts.removed + ' removed, ' + d.counts.changed + ' changed, ' + d.unchanged + ' unchanged' + (d.truncated ? ' (lists cut to the first ' + Math.max(d.added.length, d.removed.length, d.changed.length) + ')' : '') }),
    el('ul', { id: 'diff' }, ...list('added', d.added), ...list('removed', d.removed), ...list('changed', d.changed)));
}

async function entityDiffView(runId, a, b, id) {
  const d = await api('/api/runs/' + enc(runId) + '/diff?from=' + a + '&to=' + b + '&entity=' + enc(id));
  const rows = d.entity.changes.map((c) => el('tr', { class: c.kind },
    el('td', { text: c.path || '(root)' }), el('td', { text: c.kind }),
    el('td', {}, c.before === undefined ? '' : tree(c.before)), el('td', {}, c.after === undefined ? '' : tree(c.after))));
  show('Run ' + runId + ' · ' + id + ' · ' + a + ' → ' + b,
    el('p', {}, el('a', { href: '#/run/' + enc(runId) + '/diff/' + a + '/' + b, text: '← diff' })),
    el('table', { id: 'changes', class: 'tree' }, el('tr', {}, el('th', { text: 'path' }), el('th', { text: 'change' }), el('th', { text: 'before' }), el('th', { text: 'after' })), ...rows));
}

async function liveView() {
  const { runs } = await api('/api/live');
  $('#live').replaceChildren(...(runs.length === 0 ? [el('p', { class: 'muted', text: 'No run lives in this process.' })] : runs.map((r) => {
    const open = r.open.map((o) => el('li', {}, el('span', { text: o.timestamp + ' waits for ' }),
      ...o.missing.map((m) => el('span', { class: 'straggler', text: m + ' ' }))));
    return el('div', { class: 'live-run', 'data-run': r.runId }, el('h2', { text: r.runId + ' · ' + r.phase }),
      el('div', { class: 'muted', text: 'newest persisted ' + (r.newestPersisted ?? '—') }), el('ul', {}, ...open));
  })));
}

async function route() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  try {
    await loadRuns();
    if (parts[0] !== 'run' || !parts[1]) return show('Pick a run', el('p', { class: 'muted', text: 'Runs in storage are on the left; live runs of this process on the right.' }));
    const [, runId, kind, x, kind2, y] = parts;
    if (kind === 'sp' && kind2 === 'entity') return await entityView(runId, Number(x), y);
    if (kind === 'sp') return await savepointView(runId, Number(x));
    if (kind === 'diff' && parts[5] === 'entity') return await entityDiffView(runId, Number(x), Number(parts[4]), parts[6]);
    if (kind === 'diff') return await diffView(runId, Number(x), Number(parts[4]));
    show('Run ' + runId, ...(await runView(runId)));
  } catch (error) { fail(error); }
}

async function refresh() {
  try { await Promise.all([loadRuns(), liveView()]); $('#updated').textContent = 'updated ' + new Date().toLocaleTimeString(); }
  catch (error) { $('#updated').textContent = String(error.message || error); }
}

window.addEventListener('hashchange', route);
route().then(refresh);
setInterval(refresh, 2000);
`;
