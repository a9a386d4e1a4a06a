/* global document, window */
// The on-call console's page: plain DOM, no framework, no inline script (the CSP forbids it).
// The token lives in sessionStorage and travels only as a bearer header, never as a cookie.
'use strict';

const API = '/ops/api';
const TOKEN_KEY = 'ops-token';
const OUTCOME_LABELS = {
  attention: 'Needs attention',
  running: 'Running',
  completed: 'Completed',
  superseded: 'Superseded',
  failed: 'Failed',
  compensated: 'Compensated',
  compensation_failed: 'Compensation failed',
  terminated: 'Terminated',
  timed_out: 'Timed out',
  canceled: 'Canceled',
};

const $ = (id) => document.getElementById(id);
const state = { me: null, filter: {}, refusedFilter: {}, nextPageToken: undefined, listGeneration: 0, listKey: null, listScroll: 0, followGeneration: 0 };
/** The list's own query parameters (everything else in a list URL is ignored). */
const FILTER_FIELDS = ['outcome', 'source', 'eventType', 'eventKey', 'from', 'to', 'failedStep', 'errorClass'];
const DEFAULT_LIST = '#/sagas?outcome=attention';
const REFRESH_MS = 15000;

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
const badge = (outcome) => h('span', { class: `badge o-${outcome}` }, OUTCOME_LABELS[outcome] || outcome);
const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
/** A cause as one line: the failed step and the error class. */
const causeLine = (c) => `${c.failedStep ? `${c.failedStep} · ` : ''}${c.errorClass}`;

// --- sign-in -------------------------------------------------------------------------------

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  state.me = null;
  state.listKey = null;
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
  fillSelect($('r-source'), state.me.sources, (s) => s);
  // Back where the link (or the expired session) was: every view is in the URL.
  await route();
}

function fillSelect(select, values, label) {
  while (select.options.length > 1) select.remove(1);
  for (const v of values) select.append(h('option', { value: v }, label(v)));
}

// --- routing: every view has a URL (#/sagas?…, #/search?q=…, #/saga/<id>?run=…, #/job/<id>, #/refused?…) ----

function go(hash) {
  if (window.location.hash !== hash) window.history.pushState(null, '', hash);
  void route();
}

function parseHash() {
  const raw = window.location.hash.replace(/^#/, '');
  const [path, query] = raw.split('?');
  return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(query || '') };
}

function showView(id) {
  for (const view of ['list-view', 'detail-view', 'job-view', 'refused-view']) $(view).hidden = view !== id;
}

async function route() {
  if (!state.me) return;
  if (!window.location.hash) window.history.replaceState(null, '', DEFAULT_LIST);
  const { parts, params } = parseHash();
  state.followGeneration += 1; // a saga being followed stops when the view changes
  if (parts[0] === 'saga' && parts[1]) return showDetail(parts[1], params.get('run') || undefined, params.get('follow') === '1');
  if (parts[0] === 'job' && parts[1]) return showJob(parts[1]);
  if (parts[0] === 'search') return showSearch(params.get('q') || '');
  if (parts[0] === 'refused') return showRefused(params);
  if (parts[0] !== 'sagas') {
    window.history.replaceState(null, '', DEFAULT_LIST);
    return route();
  }
  return showList(params);
}

// --- list ----------------------------------------------------------------------------------

/** datetime-local shows local time; the URL and the API carry ISO instants. */
function toLocalInput(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function filterFromForm() {
  const form = new window.FormData($('filters'));
  const filter = {};
  for (const [k, v] of form.entries()) {
    if (!v) continue;
    filter[k] = k === 'from' || k === 'to' ? new Date(v).toISOString() : v.trim();
  }
  // The cause of a group stays until cleared.
  for (const k of ['failedStep', 'errorClass']) if (state.filter[k]) filter[k] = state.filter[k];
  return filter;
}

function listHash(filter) {
  return `#/sagas?${new URLSearchParams(filter)}`;
}

function formFromFilter(filter) {
  for (const name of ['outcome', 'source', 'eventType', 'eventKey']) $(`f-${name}`).value = filter[name] || '';
  $('f-from').value = filter.from ? toLocalInput(filter.from) : '';
  $('f-to').value = filter.to ? toLocalInput(filter.to) : '';
}

async function showList(params) {
  const filter = {};
  for (const k of FILTER_FIELDS) if (params.get(k)) filter[k] = params.get(k);
  const key = new URLSearchParams(filter).toString();
  showView('list-view');
  // Back from a saga: the list as it was, rows loaded and scroll position kept.
  if (key === state.listKey) {
    window.scrollTo(0, state.listScroll);
    return;
  }
  state.filter = filter;
  state.listKey = key;
  formFromFilter(filter);
  $('q').value = '';
  $('search-note').textContent = '';
  await refresh();
}

async function refresh() {
  $('list-error').textContent = '';
  // The total speaks of the rows shown: cleared with them, so it never counts a table still loading.
  $('list-total').textContent = '';
  $('sagas').querySelector('tbody').replaceChildren();
  $('groups').replaceChildren();
  $('cause-filter').replaceChildren();
  state.nextPageToken = undefined;
  state.listGeneration += 1;
  if (state.filter.failedStep || state.filter.errorClass) {
    const clear = { ...state.filter };
    delete clear.failedStep;
    delete clear.errorClass;
    fill($('cause-filter'), 'Cause: ', h('b', {}, causeLine({ failedStep: state.filter.failedStep, errorClass: state.filter.errorClass || '' })), ' ', h('a', { href: listHash(clear) }, 'all causes'));
  }
  await Promise.all([loadPage(), loadCounts(), loadAudit(), loadDeadLetters(), loadRefusedCount()]);
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
    $('list-total').textContent = page.total === undefined ? '' : `${body.children.length} of ${plural(page.total, 'saga')}${page.truncated ? ' (more failed than the console reads at once: narrow the time range)' : ''}, newest first`;
    if (page.groups && !params.has('pageToken')) renderGroups(page.groups);
  } catch (err) {
    if (generation === state.listGeneration) $('list-error').textContent = err.message;
  }
}

function renderGroups(groups) {
  if (!groups.length) return;
  const here = { ...state.filter };
  delete here.failedStep;
  delete here.errorClass;
  $('groups').replaceChildren(
    h('h2', {}, 'By cause'),
    h(
      'ul',
      { class: 'groups' },
      ...groups.map((g) => {
        const cause = { ...here, failedStep: g.failedStep || '', errorClass: g.errorClass };
        if (!g.failedStep) delete cause.failedStep;
        return h(
          'li',
          { class: `group${g.permanent ? ' permanent' : ''}`, 'data-error-class': g.errorClass },
          h('b', { class: 'group-count' }, g.count),
          h('span', { class: 'group-cause' }, causeLine(g)),
          g.permanent ? h('span', { class: 'tag bad' }, 'permanent: a replay fails again') : null,
          g.leftUndone ? h('span', { class: 'tag bad' }, `${g.leftUndone} need manual cleanup`) : null,
          h('a', { href: listHash(cause), class: 'group-show' }, 'Show'),
          state.me.canReplay && !g.permanent ? h('button', { type: 'button', class: 'secondary group-replay', onclick: () => openBulk(cause) }, 'Replay this group…') : null,
        );
      }),
    ),
  );
}

function sagaRow(row) {
  const href = `#/saga/${encodeURIComponent(row.workflowId)}`;
  const open = () => {
    state.listScroll = window.scrollY;
    go(href);
  };
  const c = row.cause;
  const runs = row.runs > 1 ? h('span', { class: 'muted small' }, ` ${row.runs} runs`) : null;
  return h(
    'tr',
    { class: 'row', tabindex: '0', 'data-workflow-id': row.workflowId, onclick: open, onkeydown: (e) => e.key === 'Enter' && open() },
    h('td', { 'data-label': 'Workflow', class: 'wid' }, h('a', { href, tabindex: '-1' }, row.workflowId)),
    h('td', { 'data-label': 'Outcome' }, badge(row.outcome), runs),
    h('td', { 'data-label': c ? 'Failed step' : 'Step' }, c ? c.failedStep || '' : row.step || ''),
    h(
      'td',
      { 'data-label': 'Error', class: 'error-class' },
      c ? c.errorClass : '',
      c && c.permanent ? h('span', { class: 'tag bad' }, 'permanent') : null,
      c && c.leftUndone.length ? h('span', { class: 'tag bad' }, 'manual cleanup') : null,
      row.waiting ? h('span', { class: 'waiting-for' }, `${row.waiting.service ? `waiting for ${row.waiting.service}` : 'retrying'} · attempt ${row.waiting.attempt}`) : null,
    ),
    h('td', { 'data-label': 'Source' }, row.source || ''),
    h('td', { 'data-label': 'Event' }, row.eventType || ''),
    h('td', { 'data-label': 'Started' }, time(row.startTime)),
  );
}

async function loadCounts() {
  try {
    const params = new URLSearchParams(state.filter);
    for (const k of ['outcome', 'failedStep', 'errorClass']) params.delete(k);
    const counts = await api(`/counts?${params}`);
    const attention = counts.byOutcome.attention;
    $('headline').className = `headline${attention ? ' bad' : ' ok'}`;
    fill(
      $('headline'),
      h('a', { href: listHash({ ...Object.fromEntries(params), outcome: 'attention' }), id: 'attention-count' }, attention ? `${plural(attention, 'saga')} need${attention === 1 ? 's' : ''} attention` : 'Nothing needs attention'),
      h(
        'span',
        { class: 'small' },
        counts.permanent ? ` · ${counts.permanent} can never succeed (permanent input errors)` : '',
        counts.fixed ? ` · ${counts.fixed} fixed by a replay` : '',
        counts.truncated ? ' · counts are a lower bound: narrow the time range' : '',
        ` · updated ${new Date().toLocaleTimeString()}`,
      ),
    );
    $('counts').replaceChildren(
      ...Object.entries(counts.byOutcome)
        .filter(([outcome]) => outcome !== 'attention')
        .map(([outcome, n]) => h('a', { href: listHash({ ...Object.fromEntries(params), outcome }), class: `chip o-${outcome}${state.filter.outcome === outcome ? ' active' : ''}` }, `${OUTCOME_LABELS[outcome] || outcome} `, h('b', {}, n))),
    );
    $('source-counts').replaceChildren(...Object.entries(counts.bySource).map(([source, n]) => h('span', { class: 'chip' }, `${source} `, h('b', {}, n))));
  } catch (err) {
    $('list-error').textContent = err.message;
  }
}

// --- search --------------------------------------------------------------------------------

const MATCHED = { workflowId: 'workflow ID', eventKey: 'event key', deliveryId: 'vendor delivery id', requestId: 'request id' };

async function showSearch(q) {
  showView('list-view');
  state.listKey = null;
  $('q').value = q;
  $('list-error').textContent = '';
  $('groups').replaceChildren();
  $('cause-filter').replaceChildren();
  $('more').hidden = true;
  $('list-total').textContent = '';
  const body = $('sagas').querySelector('tbody');
  body.replaceChildren();
  state.listGeneration += 1;
  const generation = state.listGeneration;
  $('search-note').textContent = `Searching for ${q}…`;
  try {
    const found = await api(`/search?q=${encodeURIComponent(q)}`);
    if (generation !== state.listGeneration) return;
    for (const row of found.items) body.append(sagaRow(row));
    $('empty').hidden = found.items.length > 0;
    $('search-note').textContent = found.items.length
      ? `${plural(found.items.length, 'saga')} found by ${MATCHED[found.matchedBy]} “${q}”.`
      : `Nothing found for “${q}” (workflow ID, event key or prefix*, vendor delivery id, request id${found.scanned ? `; ${found.scanned} newest runs looked at` : ''}).`;
  } catch (err) {
    $('search-note').textContent = '';
    $('list-error').textContent = err.message;
  }
}

// --- audit ---------------------------------------------------------------------------------

async function loadAudit(before) {
  try {
    const params = new URLSearchParams({ limit: '50' });
    if (before) params.set('before', before);
    if ($('audit-actor').value.trim()) params.set('actor', $('audit-actor').value.trim());
    const page = await api(`/audit?${params}`);
    const items = page.entries.map((e) =>
      h(
        'li',
        {},
        h('time', {}, time(e.at)),
        ` ${e.actor} ${e.action.replace(/_/g, ' ')} `,
        ...(e.workflowIds || []).map((id) => h('a', { href: `#/saga/${encodeURIComponent(id)}`, class: 'wid' }, id)),
        e.jobId && !(e.workflowIds || []).length ? h('a', { href: `#/job/${encodeURIComponent(e.jobId)}` }, `job ${e.jobId.slice(0, 8)}`) : null,
        e.deadLetterId || '',
        e.refusedId ? h('a', { href: refusedHash({}) }, `refused ${e.refusedId}`) : null,
        ` → ${e.outcome}`,
      ),
    );
    if (before) $('audit-list').append(...items);
    else $('audit-list').replaceChildren(...items);
    const older = $('audit-older');
    older.hidden = !page.next;
    older.onclick = () => void loadAudit(page.next);
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
async function dryRunThenConfirm({ confirmId, statusId, path, filter, describe, verb, summarize, reload }) {
  const confirm = $(confirmId);
  const status = $(statusId);
  confirm.hidden = true;
  try {
    const preview = await api(`${path}/preview`, { method: 'POST', body: { filter } });
    status.textContent = describe(preview);
    if (preview.count === 0 || preview.truncated) return;
    confirm.hidden = false;
    confirm.textContent = `${verb} ${preview.count}`;
    confirm.onclick = async () => {
      confirm.hidden = true;
      try {
        status.textContent = summarize(await api(path, { method: 'POST', body: { filter: preview.filter, expect: preview.count } }));
      } catch (err) {
        status.textContent = err.status === 409 && err.body.count !== undefined ? `Now ${err.body.count} match: run the dry run again.` : err.message;
      }
      await reload();
    };
  } catch (err) {
    status.textContent = err.message;
  }
}

function previewRequeue() {
  return dryRunThenConfirm({
    confirmId: 'dead-confirm',
    statusId: 'dead-status',
    path: '/dead-letters/requeue',
    filter: {},
    describe: (preview) => (preview.truncated ? 'Too many match: use the CLI with --source or --cause.' : `${preview.count} dead letter(s) would be re-queued.`),
    verb: 'Re-queue',
    summarize: (done) => `Done: ${done.requeued} re-queued, ${done.gone} gone already.`,
    reload: loadDeadLetters,
  });
}

// --- refused requests ----------------------------------------------------------------------

const REFUSED_FIELDS = ['source', 'reason', 'from', 'to'];
const refusedHash = (filter) => `#/refused${Object.keys(filter).length ? `?${new URLSearchParams(filter)}` : ''}`;

async function loadRefusedCount() {
  try {
    const page = await api('/refused?limit=1');
    $('refused-count').textContent = page.total ? `(${page.total})` : '(none)';
  } catch {
    /* the list still works without it */
  }
}

/** #/refused?source=…&reason=…&from=…&to=…: the kept requests, newest first, a page at a time. */
async function showRefused(params) {
  showView('refused-view');
  const filter = {};
  for (const k of REFUSED_FIELDS) if (params.get(k)) filter[k] = params.get(k);
  state.refusedFilter = filter;
  $('r-source').value = filter.source || '';
  $('r-reason').value = filter.reason || '';
  $('r-from').value = filter.from ? toLocalInput(filter.from) : '';
  $('r-to').value = filter.to ? toLocalInput(filter.to) : '';
  $('refused-status').textContent = '';
  $('refused-confirm').hidden = true;
  await reloadRefused();
}

/** The table again from its newest entry (after a re-process: what was handled has left it). */
async function reloadRefused() {
  $('refused-table').querySelector('tbody').replaceChildren();
  await loadRefused();
}

async function loadRefused(before) {
  const filter = state.refusedFilter;
  const params = new URLSearchParams({ ...filter, limit: '50' });
  if (before) params.set('before', before);
  try {
    const page = await api(`/refused?${params}`);
    // A page asked for before the filter changed must not land in the new table.
    if (filter !== state.refusedFilter) return;
    const body = $('refused-table').querySelector('tbody');
    body.append(...page.items.map(refusedRow));
    $('refused-total').textContent = `${body.children.length} of ${plural(page.total, 'request')}, newest first`;
    $('refused-bulk').hidden = !state.me.canReplay || page.total === 0;
    const more = $('refused-more');
    more.hidden = !page.next;
    more.onclick = () => void loadRefused(page.next);
  } catch (err) {
    $('refused-status').textContent = err.message;
  }
}

function refusedNote(r) {
  if (!r.reverifiable) return r.verified ? 'credential redacted (it verified on arrival)' : 'credential redacted: cannot be re-verified';
  if (r.body.kept === 'no') return 'body not kept (too large)';
  return r.kind === 'unrouted' ? `no saga for ${r.eventType}` : '';
}

function refusedRow(r) {
  const canReprocess = state.me.canReplay && (r.reverifiable || r.verified) && r.body.kept !== 'no';
  return h(
    'tr',
    { 'data-refused-id': r.id },
    h('td', { 'data-label': 'Received' }, time(r.receivedAt)),
    h('td', { 'data-label': 'Source' }, r.source),
    h('td', { 'data-label': 'Status' }, r.status),
    h('td', { 'data-label': 'Reason', class: 'error-text' }, r.reason),
    h('td', { 'data-label': 'Request', class: 'wid' }, r.requestId),
    h('td', { 'data-label': 'Note' }, refusedNote(r)),
    h('td', {}, canReprocess ? h('button', { type: 'button', class: 'secondary', onclick: (e) => reprocessOne(r, e.currentTarget) }, 'Re-process') : null),
  );
}

/** What a re-process came to, in words (a saga links to its page). */
function reprocessed(outcome) {
  if (outcome.workflowId) return [`${outcome.result}: `, h('a', { href: sagaHash(outcome.workflowId), class: 'wid' }, outcome.workflowId)];
  return `${outcome.result}${outcome.reason ? ` (${outcome.status ? `${outcome.status} ` : ''}${outcome.reason})` : ''}`;
}

async function reprocessOne(r, button) {
  button.disabled = true;
  try {
    const outcome = await api(`/refused/${encodeURIComponent(r.id)}/reprocess`, { method: 'POST', body: {} });
    fill($('refused-status'), `Re-processed ${r.id}: `, reprocessed(outcome));
  } catch (err) {
    $('refused-status').textContent = `Not re-processed: ${err.message}`;
  }
  await reloadRefused();
}

function previewReprocess() {
  return dryRunThenConfirm({
    confirmId: 'refused-confirm',
    statusId: 'refused-status',
    path: '/refused/reprocess',
    filter: state.refusedFilter,
    describe: (preview) => {
      const left = Object.entries(preview.excluded).map(([why, n]) => `${n} ${why.replace(/_/g, ' ')}`);
      return preview.truncated
        ? 'Too many match: narrow the filter.'
        : `${plural(preview.count, 'request')} would be re-processed${left.length ? `; left out (cannot be re-processed): ${left.join(', ')}` : ''}.`;
    },
    verb: 'Re-process',
    summarize: (done) => {
      const { total, ...counts } = done.counts;
      return `Done: ${total} re-processed: ${Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(', ')}.`;
    },
    reload: reloadRefused,
  });
}

// --- detail --------------------------------------------------------------------------------

const sagaHash = (workflowId, runId, follow) => `#/saga/${encodeURIComponent(workflowId)}${runId ? `?run=${encodeURIComponent(runId)}${follow ? '&follow=1' : ''}` : ''}`;

async function fetchDetail(workflowId, runId) {
  return api(`/sagas/${encodeURIComponent(workflowId)}${runId ? `?runId=${encodeURIComponent(runId)}` : ''}`);
}

async function showDetail(workflowId, runId, follow) {
  showView('detail-view');
  window.scrollTo(0, 0);
  const root = $('detail');
  root.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  const generation = state.followGeneration;
  try {
    const detail = await fetchDetail(workflowId, runId);
    if (generation !== state.followGeneration) return;
    root.replaceChildren(renderDetail(detail));
    if (follow && detail.status === 'RUNNING') await followRun(detail, generation);
    else if (follow) announce(detail);
  } catch (err) {
    if (generation === state.followGeneration) root.replaceChildren(h('p', { class: 'error' }, err.message));
  }
}

function announce(detail) {
  const outcome = OUTCOME_LABELS[detail.outcome] ? OUTCOME_LABELS[detail.outcome].toLowerCase() : detail.outcome;
  $('detail').prepend(h('p', { id: 'replay-result', class: `notice o-${detail.outcome}` }, `${detail.replayOf ? 'Replay' : 'Run'} ${outcome}.`));
}

/** Follows a run until it closes, showing its timeline as it goes; says so if it has to stop. */
async function followRun(detail, generation) {
  let failures = 0;
  for (;;) {
    await sleep(1500);
    if (generation !== state.followGeneration) return;
    try {
      const now = await fetchDetail(detail.workflowId, detail.runId);
      if (generation !== state.followGeneration) return;
      failures = 0;
      $('detail').replaceChildren(renderDetail(now));
      if (now.status !== 'RUNNING') return announce(now);
      $('detail').prepend(h('p', { id: 'follow-status', class: 'notice o-running', role: 'status' }, `Following run ${shortRun(now.runId)}: running${now.searchAttributes.step ? ` (${now.searchAttributes.step})` : ''}…`));
    } catch (err) {
      if (++failures < 5) continue;
      $('detail').prepend(
        h('p', { id: 'follow-status', class: 'notice error', role: 'alert' }, `Stopped following run ${shortRun(detail.runId)}: ${err.message}. `, h('a', { href: sagaHash(detail.workflowId, detail.runId, true) }, 'Follow again')),
      );
      return;
    }
  }
}

function dl(pairs) {
  return h('dl', { class: 'kv' }, ...pairs.filter(([, v]) => v !== undefined && v !== '').flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function cleanupPanel(d) {
  const left = d.cause && d.cause.leftUndone;
  if (!left || !left.length) return null;
  return h(
    'div',
    { class: 'panel cleanup', id: 'cleanup' },
    h('h3', {}, 'Manual cleanup needed'),
    h('p', {}, `The compensation could not undo ${plural(left.length, 'step')}: ${left.map((f) => f.step).join(', ')}. Their effect is still in place downstream.`),
    h('ul', {}, ...left.map((f) => h('li', {}, h('b', {}, `undo of ${f.step} failed`), h('span', { class: 'error-text' }, ` — ${f.error}`), f.key ? h('div', { class: 'small' }, 'left in place: write ', h('code', {}, f.key)) : null))),
  );
}

function waitingPanel(d) {
  // An activity on its first attempt is just running; one that failed before is retrying.
  const retrying = d.pending.filter((p) => p.attempt > 1 || p.lastError);
  if (!retrying.length) return null;
  return h(
    'div',
    { class: 'panel waiting', id: 'waiting' },
    h('h3', {}, 'Retrying'),
    ...retrying.map((p) =>
      h(
        'p',
        {},
        h('b', {}, p.service ? `Waiting for ${p.service}` : `Retrying ${p.activity}`),
        `: ${p.activity} attempt ${p.attempt}${p.nextAttemptAt ? `, next try at ${time(p.nextAttemptAt)}` : ''} (${p.state})`,
        p.lastError ? h('div', { class: 'error-text' }, `last error: ${p.lastError}`) : null,
      ),
    ),
  );
}

function renderDetail(d) {
  const c = d.cause;
  const failure = d.failure
    ? h(
        'div',
        { class: 'panel failure' },
        h('h3', {}, 'Why it failed'),
        h('p', { class: 'error-text' }, d.failure.saga ? d.failure.saga.error : d.failure.message),
        dl([
          ['Failed step', c && c.failedStep],
          ['Error class', c && c.errorClass],
          ['Undone', d.failure.saga ? d.failure.saga.stepsUndone.join(', ') || 'nothing' : undefined],
        ]),
        c && c.permanent ? h('p', { class: 'tag bad' }, `Permanent: the event itself cannot succeed (${c.failureType}); a replay fails the same way.`) : null,
      )
    : null;
  const replay = h('div', { class: 'actions' });
  if (d.replayable && state.me.canReplay) {
    replay.append(h('button', { type: 'button', id: 'replay', onclick: () => replayOne(d, replay) }, c && c.leftUndone.length ? 'Replay (after the cleanup)' : 'Replay'));
  } else if (d.replayable) {
    replay.append(h('p', { class: 'muted' }, 'Replay needs the operator role.'));
  }
  const latest = d.runs[0];
  const older = latest && latest.runId !== d.runId ? h('p', { class: 'notice' }, `An older run. The saga's latest run is ${shortRun(latest.runId)} (${latest.status.toLowerCase()}): `, h('a', { href: sagaHash(d.workflowId) }, 'show it')) : null;
  const parts = d.input ? Object.entries(d.input.parts) : [];
  return h(
    'article',
    { class: 'detail' },
    h('h2', { class: 'wid' }, d.workflowId),
    h('p', {}, badge(d.outcome), ` ${d.saga} · run `, h('code', {}, shortRun(d.runId)), ' · ', h('a', { href: d.temporalUiUrl, target: '_blank', rel: 'noopener noreferrer' }, 'Open in Temporal UI')),
    older,
    cleanupPanel(d),
    replay,
    failure,
    waitingPanel(d),
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
      ...d.runs.map((r) => h('li', {}, h('a', { href: sagaHash(d.workflowId, r.runId) }, shortRun(r.runId)), ` ${r.status.toLowerCase()} · ${time(r.startTime)}`, r.runId === d.runId ? ' (shown)' : '')),
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
      const calls = s.calls.map((call) => {
        const pending = pendingByActivity.get(call.activity);
        const attempts = pending ? pending.attempt : call.attempts;
        const ownError = (pending && pending.lastError) || call.error;
        // The step line already shows its error; repeat it under the call only when it differs.
        const error = ownError && !(s.error || '').endsWith(ownError) ? ownError : undefined;
        return h('li', { class: 'call' }, `${call.activity}: ${call.state}`, attempts > 1 ? ` after ${attempts} attempts` : '', error ? h('span', { class: 'error-text' }, ` — ${error}`) : null);
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
    // The new run has its own URL: followed until it closes, and reloading it follows again.
    go(sagaHash(d.workflowId, result.runId, true));
  } catch (err) {
    status.textContent = `Replay refused: ${err.message}`;
    status.className = 'error';
  }
}

// --- bulk replay ---------------------------------------------------------------------------

async function openBulk(filterIn) {
  const dialog = $('bulk');
  $('bulk-error').textContent = '';
  $('bulk-confirm').hidden = true;
  const base = { ...(filterIn || state.filter) };
  if (!base.outcome) base.outcome = 'failed';
  $('bulk-include-permanent').checked = false;
  $('bulk-include-terminated').checked = false;
  const preview = async () => {
    const filter = { ...base };
    if ($('bulk-include-permanent').checked) filter.includePermanent = true;
    if ($('bulk-include-terminated').checked) filter.includeTerminated = true;
    $('bulk-filter').textContent = Object.entries(filter).map(([k, v]) => `${k}=${v}`).join(' · ');
    $('bulk-confirm').hidden = true;
    $('bulk-preview').replaceChildren(h('p', { class: 'muted' }, 'Dry run…'));
    try {
      const p = await api('/replays/preview', { method: 'POST', body: { filter } });
      const excluded = [p.excluded.permanent ? `${p.excluded.permanent} permanent failures` : '', p.excluded.terminated ? `${p.excluded.terminated} terminated or canceled` : ''].filter(Boolean);
      const list = h('ul', { class: 'preview' }, ...p.items.slice(0, 20).map((i) => h('li', { class: 'wid' }, i.workflowId, h('span', { class: 'muted' }, ` ${i.cause ? causeLine(i.cause) : i.step || ''}`))));
      fill(
        $('bulk-preview'),
        h(
          'p',
          { id: 'bulk-count' },
          `${plural(p.count, 'saga')} would be replayed`,
          p.alreadyReplayed ? ` (${p.alreadyReplayed} already replayed, skipped)` : '',
          excluded.length ? `; left out: ${excluded.join(', ')}` : '',
          '.',
        ),
        p.truncated ? h('p', { class: 'error' }, 'Too many match: narrow the filter.') : null,
        list,
        p.count > 20 ? h('p', { class: 'muted' }, `…and ${p.count - 20} more`) : null,
      );
      if (p.count > 0 && !p.truncated) {
        const confirm = $('bulk-confirm');
        confirm.hidden = false;
        confirm.disabled = false;
        confirm.textContent = `Replay ${p.count}`;
        confirm.onclick = () => runBulk(p.filter, p.count);
      }
    } catch (err) {
      $('bulk-preview').replaceChildren();
      $('bulk-error').textContent = err.message;
    }
  };
  $('bulk-include-permanent').onchange = () => void preview();
  $('bulk-include-terminated').onchange = () => void preview();
  dialog.showModal();
  await preview();
}

async function runBulk(filter, count) {
  $('bulk-confirm').disabled = true;
  try {
    const { jobId } = await api('/replays', { method: 'POST', body: { filter, expect: count } });
    $('bulk').close();
    go(`#/job/${encodeURIComponent(jobId)}`);
  } catch (err) {
    $('bulk-error').textContent = err.status === 409 && err.body.count !== undefined ? `The filter now matches ${err.body.count}: run the dry run again.` : err.message;
  }
}

/** A bulk job, live: progress, then how the replayed runs ended. Its URL survives a reload. */
async function showJob(jobId) {
  showView('job-view');
  const generation = state.followGeneration;
  const bar = $('bulk-bar');
  const status = $('bulk-status');
  $('job-title').textContent = `Bulk replay ${jobId.slice(0, 8)}`;
  status.textContent = 'Loading…';
  $('job-results').replaceChildren();
  for (;;) {
    let job;
    try {
      job = await api(`/replays/${encodeURIComponent(jobId)}`);
    } catch (err) {
      status.textContent = err.message;
      return;
    }
    if (generation !== state.followGeneration) return;
    const handled = job.replayed + job.refused + job.errors;
    bar.max = job.total;
    bar.value = handled;
    const { completed, failedAgain, running } = job.outcomes;
    const ended = `${completed} completed, ${failedAgain} failed again, ${running} still running`;
    const phase = job.state === 'interrupted' ? ' · interrupted: waiting for a receiver to resume it' : job.state === 'following' ? ` · replayed runs: ${ended}` : '';
    status.textContent = `${handled} / ${job.total} · ${job.replayed} replayed · ${job.refused} refused · ${job.errors} errors${phase}`;
    $('job-filter').textContent = Object.entries(job.filter).map(([k, v]) => `${k}=${v}`).join(' · ');
    if (job.state === 'done') {
      const resumed = job.interruptions.length ? ` Resumed ${job.interruptions.length} time(s) after its receiver stopped.` : '';
      status.textContent = `Done: ${job.replayed} replayed, ${job.refused} refused, ${job.errors} errors; replayed runs: ${ended}.${resumed}`;
      $('job-results').replaceChildren(
        ...job.results
          .filter((r) => r.result !== 'replayed')
          .map((r) => h('li', {}, h('a', { href: sagaHash(r.workflowId), class: 'wid' }, r.workflowId), ` ${r.result}: ${r.reason}`)),
      );
      state.listKey = null; // the list changed: the next visit loads it again
      return;
    }
    await sleep(700);
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
    const filter = filterFromForm();
    // The same search again reloads it.
    if (listHash(filter) === window.location.hash) state.listKey = null;
    go(listHash(filter));
  });
  $('search-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const q = $('q').value.trim();
    if (q) go(`#/search?q=${encodeURIComponent(q)}`);
  });
  $('more').addEventListener('click', () => void loadPage());
  // Back to the list this saga was opened from (rows and scroll kept); from a deep link, to the default list.
  $('back').addEventListener('click', () => (state.listKey !== null ? window.history.back() : go(DEFAULT_LIST)));
  $('job-back').addEventListener('click', () => go(listHash(state.filter)));
  $('bulk-open').addEventListener('click', () => void openBulk());
  $('bulk-close').addEventListener('click', () => $('bulk').close());
  $('dead-bulk').addEventListener('click', () => void previewRequeue());
  $('refused-bulk').addEventListener('click', () => void previewReprocess());
  $('refused-back').addEventListener('click', () => go(listHash(state.filter)));
  $('refused-filters').addEventListener('submit', (e) => {
    e.preventDefault();
    const filter = {};
    for (const [k, v] of new window.FormData($('refused-filters')).entries()) {
      if (v) filter[k] = k === 'from' || k === 'to' ? new Date(v).toISOString() : v.trim();
    }
    const hash = refusedHash(filter);
    // The same search again reloads it.
    if (hash === window.location.hash) void showRefused(new URLSearchParams(filter));
    else go(hash);
  });
  $('audit-filter').addEventListener('submit', (e) => {
    e.preventDefault();
    void loadAudit();
  });
  window.addEventListener('popstate', () => void route());
  // Live: the counts and groups follow the incident while the list is on screen.
  setInterval(() => {
    if (state.me && !$('list-view').hidden && document.visibilityState === 'visible' && state.listKey !== null) void loadCounts();
  }, REFRESH_MS);
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) void signIn(token);
  else signOut();
}

main();
