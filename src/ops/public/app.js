/* global document, window */
// The on-call console's page: plain DOM, no framework, no inline script (the CSP forbids it).
// The token lives in sessionStorage and travels only as a bearer header, never as a cookie.
'use strict';

const API = '/ops/api';
const TOKEN_KEY = 'ops-token';
const OUTCOME_LABELS = {
  running: 'Running',
  completed: 'Completed',
  superseded: 'Superseded',
  failed: 'Failed (all)',
  compensated: 'Compensated',
  compensation_failed: 'Compensation failed',
  terminated: 'Terminated',
  timed_out: 'Timed out',
  canceled: 'Canceled',
};

const $ = (id) => document.getElementById(id);
const state = { me: null, filter: {}, nextPageToken: undefined, listGeneration: 0 };

/** Builds an element; children are nodes or text (always set as text, never parsed as HTML). */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof window.Node ? child : String(child));
  }
  return el;
}

/** Replaces an element's children, skipping the empty ones (replaceChildren would print "null"). */
function fill(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== undefined && c !== null && c !== false));
}

class ApiError extends Error {
  constructor(status, body) {
    super((body && (body.message || body.error)) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

async function api(path, options = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const headers = { Accept: 'application/json', Authorization: `Bearer ${token}` };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(API + path, {
    method: options.method || 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    credentials: 'omit',
  });
  const body = await res.json().catch(() => ({}));
  if (res.status === 401) {
    signOut(body.error === 'token_expired' ? 'Your token expired: sign in again.' : 'Sign in again.');
  }
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

/** Run IDs are UUIDv7: their start is a timestamp shared by runs started together, so show the end. */
const shortRun = (runId) => `…${runId.slice(-8)}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const time = (iso) => (iso ? new Date(iso).toLocaleString() : '');
const badge = (outcome) => h('span', { class: `badge o-${outcome}` }, (OUTCOME_LABELS[outcome] || outcome).replace(' (all)', ''));

// --- sign-in -------------------------------------------------------------------------------

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  state.me = null;
  $('console').hidden = true;
  $('who').hidden = true;
  $('signin').hidden = false;
  $('signin-error').textContent = message || '';
}

async function signIn(token) {
  sessionStorage.setItem(TOKEN_KEY, token.trim());
  try {
    state.me = await api('/me');
  } catch (err) {
    signOut(err.status === 401 || err.status === 403 ? `Token refused (${err.body.error || err.status}).` : err.message);
    return;
  }
  $('token').value = '';
  $('signin').hidden = true;
  $('console').hidden = false;
  $('who').hidden = false;
  $('who-name').textContent = state.me.sub;
  $('who-role').textContent = state.me.canReplay ? 'operator' : 'viewer';
  $('bulk-open').hidden = !state.me.canReplay;
  fillSelect($('f-outcome'), state.me.outcomes, (o) => OUTCOME_LABELS[o] || o);
  fillSelect($('f-source'), state.me.sources, (s) => s);
  readFilterFromHash();
  await refresh();
}

function fillSelect(select, values, label) {
  while (select.options.length > 1) select.remove(1);
  for (const v of values) select.append(h('option', { value: v }, label(v)));
}

// --- list ----------------------------------------------------------------------------------

function filterFromForm() {
  const form = new window.FormData($('filters'));
  const filter = {};
  for (const [k, v] of form.entries()) {
    if (!v) continue;
    filter[k] = k === 'from' || k === 'to' ? new Date(v).toISOString() : v.trim();
  }
  return filter;
}

function readFilterFromHash() {
  const params = new URLSearchParams(window.location.hash.replace(/^#\/?\??/, ''));
  for (const name of ['outcome', 'source', 'eventType', 'eventKey']) {
    const input = $(`f-${name}`);
    if (input && params.get(name)) input.value = params.get(name);
  }
}

async function refresh() {
  state.filter = filterFromForm();
  const query = new URLSearchParams(state.filter).toString();
  window.history.replaceState(null, '', `#?${query}`);
  $('list-error').textContent = '';
  $('sagas').querySelector('tbody').replaceChildren();
  state.nextPageToken = undefined;
  state.listGeneration += 1;
  await Promise.all([loadPage(), loadCounts(), loadAudit(), loadDeadLetters()]);
}

async function loadPage() {
  const params = new URLSearchParams({ ...state.filter, pageSize: '50' });
  if (state.nextPageToken) params.set('pageToken', state.nextPageToken);
  // A page asked for before the filter last changed (sign-in, then Search) must not land in the new list.
  const generation = state.listGeneration;
  try {
    const page = await api(`/sagas?${params}`);
    if (generation !== state.listGeneration) return;
    const body = $('sagas').querySelector('tbody');
    for (const row of page.items) body.append(sagaRow(row));
    state.nextPageToken = page.nextPageToken;
    $('more').hidden = !page.nextPageToken;
    $('empty').hidden = body.children.length > 0;
  } catch (err) {
    $('list-error').textContent = err.message;
  }
}

function sagaRow(row) {
  const open = () => showDetail(row.workflowId, row.runId);
  const replayed = row.latestRun ? h('span', { class: 'muted small' }, ` replayed → ${row.latestRun.status.toLowerCase()}`) : null;
  return h(
    'tr',
    { class: 'row', tabindex: '0', 'data-workflow-id': row.workflowId, onclick: open, onkeydown: (e) => e.key === 'Enter' && open() },
    h('td', { 'data-label': 'Workflow', class: 'wid' }, row.workflowId),
    h('td', { 'data-label': 'Outcome' }, badge(row.outcome), replayed),
    h('td', { 'data-label': 'Source' }, row.source || ''),
    h('td', { 'data-label': 'Event' }, row.eventType || ''),
    h('td', { 'data-label': 'Step' }, row.step || ''),
    h('td', { 'data-label': 'Started' }, time(row.startTime)),
  );
}

async function loadCounts() {
  try {
    const params = new URLSearchParams(state.filter);
    params.delete('outcome');
    const counts = await api(`/counts?${params}`);
    $('counts').replaceChildren(
      ...Object.entries(counts.byOutcome).map(([outcome, n]) =>
        h(
          'button',
          { type: 'button', class: `chip o-${outcome}${state.filter.outcome === outcome ? ' active' : ''}`, onclick: () => setOutcome(outcome) },
          `${OUTCOME_LABELS[outcome] || outcome} `,
          h('b', {}, n),
        ),
      ),
    );
    $('source-counts').replaceChildren(...Object.entries(counts.bySource).map(([source, n]) => h('span', { class: 'chip' }, `${source} `, h('b', {}, n))));
  } catch (err) {
    $('list-error').textContent = err.message;
  }
}

function setOutcome(outcome) {
  $('f-outcome').value = state.filter.outcome === outcome ? '' : outcome;
  void refresh();
}

async function loadAudit() {
  try {
    const { entries } = await api('/audit?limit=20');
    $('audit-list').replaceChildren(
      ...entries.map((e) =>
        h('li', {}, h('time', {}, time(e.at)), ` ${e.actor} ${e.action.replace(/_/g, ' ')} `, (e.workflowIds || []).join(', ') || e.jobId || e.deadLetterId || '', ` → ${e.outcome}`),
      ),
    );
  } catch {
    /* the list still works without the audit view */
  }
}

// --- dead letters --------------------------------------------------------------------------

async function loadDeadLetters() {
  try {
    const page = await api('/dead-letters?limit=100');
    $('dead-count').textContent = page.total ? `(${page.total})` : '(none)';
    const canRequeue = state.me.canReplay;
    $('dead-bulk').hidden = !canRequeue || page.total === 0;
    $('dead-table').querySelector('tbody').replaceChildren(
      ...page.items.map((d) =>
        h(
          'tr',
          { 'data-dead-letter-id': d.id },
          h('td', { 'data-label': 'Workflow', class: 'wid' }, d.workflowId || '(unreadable entry)'),
          h('td', { 'data-label': 'Source' }, d.source || ''),
          h('td', { 'data-label': 'Event' }, d.eventType || ''),
          h('td', { 'data-label': 'Cause', class: 'error-text' }, `${d.causeType}: ${d.cause}`),
          h('td', { 'data-label': 'Dead since' }, time(d.deadAt)),
          h('td', {}, canRequeue && d.requeueable ? h('button', { type: 'button', class: 'secondary', onclick: () => requeueOne(d) }, 'Re-queue') : null),
        ),
      ),
    );
  } catch {
    /* the list still works without the dead-letter view */
  }
}

async function requeueOne(d) {
  try {
    await api(`/dead-letters/${encodeURIComponent(d.id)}/requeue`, { method: 'POST', body: {} });
    $('dead-status').textContent = `Re-queued ${d.workflowId}.`;
  } catch (err) {
    $('dead-status').textContent = `Not re-queued: ${err.message}`;
  }
  void loadDeadLetters();
}

/** Dry run first; the confirmation sends the count back, and a different count now is refused (409). */
async function previewRequeue() {
  const confirm = $('dead-confirm');
  confirm.hidden = true;
  try {
    const preview = await api('/dead-letters/requeue/preview', { method: 'POST', body: { filter: {} } });
    $('dead-status').textContent = preview.truncated ? 'Too many match: use the CLI with --source or --cause.' : `${preview.count} dead letter(s) would be re-queued.`;
    if (preview.count === 0 || preview.truncated) return;
    confirm.hidden = false;
    confirm.textContent = `Re-queue ${preview.count}`;
    confirm.onclick = async () => {
      confirm.hidden = true;
      try {
        const done = await api('/dead-letters/requeue', { method: 'POST', body: { filter: preview.filter, expect: preview.count } });
        $('dead-status').textContent = `Done: ${done.requeued} re-queued, ${done.gone} gone already.`;
      } catch (err) {
        $('dead-status').textContent = err.status === 409 && err.body.count !== undefined ? `Now ${err.body.count} match: run the dry run again.` : err.message;
      }
      void loadDeadLetters();
    };
  } catch (err) {
    $('dead-status').textContent = err.message;
  }
}

// --- detail --------------------------------------------------------------------------------

function showList() {
  $('detail-view').hidden = true;
  $('list-view').hidden = false;
}

async function showDetail(workflowId, runId) {
  $('list-view').hidden = true;
  $('detail-view').hidden = false;
  const root = $('detail');
  root.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  try {
    const detail = await api(`/sagas/${encodeURIComponent(workflowId)}${runId ? `?runId=${encodeURIComponent(runId)}` : ''}`);
    root.replaceChildren(renderDetail(detail));
  } catch (err) {
    root.replaceChildren(h('p', { class: 'error' }, err.message));
  }
}

function dl(pairs) {
  return h('dl', { class: 'kv' }, ...pairs.filter(([, v]) => v !== undefined && v !== '').flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function renderDetail(d) {
  const failure = d.failure
    ? h(
        'div',
        { class: 'panel failure' },
        h('h3', {}, 'Why it failed'),
        h('p', { class: 'error-text' }, d.failure.saga ? d.failure.saga.error : d.failure.message),
        d.failure.saga ? dl([['Failed step', d.failure.saga.failedStep], ['Undone', d.failure.saga.stepsUndone.join(', ') || 'nothing']]) : null,
      )
    : null;
  const replay = h('div', { class: 'actions' });
  if (d.replayable && state.me.canReplay) {
    replay.append(h('button', { type: 'button', id: 'replay', onclick: () => replayOne(d, replay) }, 'Replay'));
  } else if (d.replayable) {
    replay.append(h('p', { class: 'muted' }, 'Replay needs the operator role.'));
  }
  const parts = d.input ? Object.entries(d.input.parts) : [];
  return h(
    'article',
    { class: 'detail' },
    h('h2', { class: 'wid' }, d.workflowId),
    h('p', {}, badge(d.outcome), ` ${d.saga} · run `, h('code', {}, shortRun(d.runId)), ' · ', h('a', { href: d.temporalUiUrl, target: '_blank', rel: 'noopener noreferrer' }, 'Open in Temporal UI')),
    replay,
    failure,
    h('h3', {}, 'Steps'),
    timeline(d),
    h('h3', {}, 'Delivery'),
    dl([
      ['Source', d.searchAttributes.source],
      ['Event type', d.searchAttributes.eventType],
      ['Event key', d.searchAttributes.eventKey],
      ['Received', time(d.delivery && d.delivery.receivedAt)],
      ['Delivery id', d.delivery && d.delivery.deliveryId],
      ['Request id', d.delivery && d.delivery.requestId],
      ['Started', time(d.startTime)],
      ['Closed', time(d.closeTime)],
      ['Replay of', d.replayOf ? `${shortRun(d.replayOf.previousRunId)} by ${d.replayOf.by}` : undefined],
    ]),
    h('h3', {}, 'Input (shape only)'),
    parts.length
      ? h('ul', { class: 'shape' }, ...parts.map(([name, p]) => h('li', {}, h('b', {}, name), ` ${p.type}, ${p.bytes || 0} bytes`, p.fields ? `: ${Object.keys(p.fields).join(', ')}` : '')))
      : h('p', { class: 'muted' }, 'no input'),
    h('h3', {}, `Runs (${d.runs.length})`),
    h(
      'ul',
      { class: 'runs' },
      ...d.runs.map((r) =>
        h('li', {}, h('button', { type: 'button', class: 'link', onclick: () => showDetail(d.workflowId, r.runId) }, shortRun(r.runId)), ` ${r.status.toLowerCase()} · ${time(r.startTime)}`),
      ),
    ),
  );
}

function timeline(d) {
  const steps = d.timeline.steps;
  if (!steps.length) return h('p', { class: 'muted' }, 'No step started.');
  const pendingByActivity = new Map(d.pending.map((p) => [p.activity, p]));
  return h(
    'ol',
    { class: 'timeline' },
    ...steps.map((s) => {
      const calls = s.calls.map((c) => {
        const pending = pendingByActivity.get(c.activity);
        const attempts = pending ? pending.attempt : c.attempts;
        const ownError = (pending && pending.lastError) || c.error;
        // The step line already shows its error; repeat it under the call only when it differs.
        const error = ownError && !(s.error || '').endsWith(ownError) ? ownError : undefined;
        return h('li', { class: 'call' }, `${c.activity}: ${c.state}`, attempts > 1 ? ` after ${attempts} attempts` : '', error ? h('span', { class: 'error-text' }, ` — ${error}`) : null);
      });
      const undo = s.undo
        ? h('div', { class: `undo u-${s.undo.state}` }, `undo: ${s.undo.state.replace('_', ' ')}`, s.undo.error ? h('span', { class: 'error-text' }, ` — ${s.undo.error}`) : null)
        : null;
      return h(
        'li',
        { class: `step s-${s.state}` },
        h('div', { class: 'step-head' }, h('b', {}, s.step), ` ${s.state}`, s.attempts > 1 ? ` · ${s.attempts} attempts` : '', h('span', { class: 'muted' }, ` ${time(s.startedAt)}`)),
        s.error ? h('div', { class: 'error-text' }, s.error) : null,
        calls.length ? h('ul', { class: 'calls' }, ...calls) : null,
        undo,
      );
    }),
  );
}

async function replayOne(d, box) {
  const button = box.querySelector('button');
  button.disabled = true;
  const status = h('p', { id: 'replay-status', role: 'status' }, 'Replaying…');
  box.append(status);
  try {
    const result = await api(`/sagas/${encodeURIComponent(d.workflowId)}/replay`, { method: 'POST', body: { runId: d.runId } });
    status.textContent = `Started run ${shortRun(result.runId)}; waiting for it to finish…`;
    // Follow the new run until it closes, then show it.
    for (let i = 0; i < 120; i++) {
      const now = await api(`/sagas/${encodeURIComponent(d.workflowId)}?runId=${encodeURIComponent(result.runId)}`);
      if (now.status !== 'RUNNING') {
        $('detail').replaceChildren(renderDetail(now));
        $('detail').prepend(h('p', { id: 'replay-result', class: `notice o-${now.outcome}` }, `Replay ${now.outcome}.`));
        return;
      }
      status.textContent = `Run ${shortRun(result.runId)} running${now.searchAttributes.step ? ` (${now.searchAttributes.step})` : ''}…`;
      await sleep(1000);
    }
  } catch (err) {
    status.textContent = `Replay refused: ${err.message}`;
    status.className = 'error';
  }
}

// --- bulk replay ---------------------------------------------------------------------------

async function openBulk() {
  const dialog = $('bulk');
  $('bulk-error').textContent = '';
  $('bulk-progress').hidden = true;
  $('bulk-confirm').hidden = true;
  $('bulk-preview').replaceChildren(h('p', { class: 'muted' }, 'Dry run…'));
  const filter = { ...state.filter };
  if (!filter.outcome) filter.outcome = 'failed';
  $('bulk-filter').textContent = Object.entries(filter).map(([k, v]) => `${k}=${v}`).join(' · ');
  dialog.showModal();
  try {
    const preview = await api('/replays/preview', { method: 'POST', body: { filter } });
    const list = h('ul', { class: 'preview' }, ...preview.items.slice(0, 20).map((i) => h('li', { class: 'wid' }, i.workflowId, h('span', { class: 'muted' }, ` ${i.step || ''}`))));
    fill(
      $('bulk-preview'),
      h('p', { id: 'bulk-count' }, `${preview.count} saga${preview.count === 1 ? '' : 's'} would be replayed`, preview.alreadyReplayed ? ` (${preview.alreadyReplayed} already replayed, skipped)` : '', '.'),
      preview.truncated ? h('p', { class: 'error' }, 'Too many match: narrow the filter.') : null,
      list,
      preview.count > 20 ? h('p', { class: 'muted' }, `…and ${preview.count - 20} more`) : null,
    );
    if (preview.count > 0 && !preview.truncated) {
      const confirm = $('bulk-confirm');
      confirm.hidden = false;
      confirm.disabled = false;
      confirm.textContent = `Replay ${preview.count}`;
      confirm.onclick = () => runBulk(preview.filter, preview.count);
    }
  } catch (err) {
    $('bulk-error').textContent = err.message;
  }
}

async function runBulk(filter, count) {
  $('bulk-confirm').disabled = true;
  $('bulk-progress').hidden = false;
  const bar = $('bulk-bar');
  const status = $('bulk-status');
  try {
    const { jobId, total } = await api('/replays', { method: 'POST', body: { filter, expect: count } });
    bar.max = total;
    for (;;) {
      const job = await api(`/replays/${jobId}`);
      const handled = job.replayed + job.refused + job.errors;
      bar.value = handled;
      const { completed, failedAgain, running } = job.outcomes;
      const ended = `${completed} completed, ${failedAgain} failed again, ${running} still running`;
      const phase = job.state === 'interrupted' ? ' · interrupted: waiting for a receiver to resume it' : job.state === 'following' ? ` · replayed runs: ${ended}` : '';
      status.textContent = `${handled} / ${job.total} · ${job.replayed} replayed · ${job.refused} refused · ${job.errors} errors${phase}`;
      if (job.state === 'done') {
        const resumed = job.interruptions.length ? ` Resumed ${job.interruptions.length} time(s) after its receiver stopped.` : '';
        status.textContent = `Done: ${job.replayed} replayed, ${job.refused} refused, ${job.errors} errors; replayed runs: ${ended} (job ${job.id.slice(0, 8)}).${resumed}`;
        break;
      }
      await sleep(700);
    }
    $('bulk-confirm').hidden = true;
    void refresh();
  } catch (err) {
    $('bulk-error').textContent = err.status === 409 && err.body.count !== undefined ? `The filter now matches ${err.body.count}: run the dry run again.` : err.message;
  }
}

// --- wiring --------------------------------------------------------------------------------

function main() {
  $('signin-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void signIn($('token').value);
  });
  $('sign-out').addEventListener('click', () => signOut());
  $('filters').addEventListener('submit', (e) => {
    e.preventDefault();
    void refresh();
  });
  $('more').addEventListener('click', () => void loadPage());
  $('back').addEventListener('click', () => {
    showList();
    void refresh();
  });
  $('bulk-open').addEventListener('click', () => void openBulk());
  $('bulk-close').addEventListener('click', () => $('bulk').close());
  $('dead-bulk').addEventListener('click', () => void previewRequeue());
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) void signIn(token);
  else signOut();
}

main();
