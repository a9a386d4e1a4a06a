/**
 * The on-call console's command-line twin: `npm run ops -- <command> [options]` (see USAGE). It calls
 * the same API as the page (/ops/api), so the same roles apply and every replay lands in the same
 * audit log.
 */
import { userInfo } from 'node:os';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { loadDevEnv } from './lib/dev-env';
import { signOpsToken } from '../src/ops/auth';
import type { OpsAnswer } from '../src/ops/api-schemas';
import { opsConfigFromEnv } from '../src/ops/config';

function parseCommandLine() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        outcome: { type: 'string' },
        source: { type: 'string' },
        cause: { type: 'string' },
        reason: { type: 'string' },
        type: { type: 'string' },
        key: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        'task-queue': { type: 'string' },
        step: { type: 'string' },
        error: { type: 'string' },
        'include-permanent': { type: 'boolean', default: false },
        'include-terminated': { type: 'boolean', default: false },
        actor: { type: 'string' },
        limit: { type: 'string' },
        run: { type: 'string' },
        json: { type: 'boolean', default: false },
        yes: { type: 'boolean', default: false },
        expect: { type: 'string' },
        wait: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    // A mistyped option is the user's mistake: say which, not a stack trace.
    process.stderr.write(`[ops] ${(err as Error).message.split('. ')[0]}. See: npm run ops -- --help\n`);
    process.exit(2);
  }
}
const { values, positionals } = parseCommandLine();

// `ops list | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

/** An option's mistake names the option and the form it takes (exit code 2, like a mistyped option). */
class OptionError extends Error {}

function count(name: string, fallback: number): number {
  const raw = values[name as keyof typeof values];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new OptionError(`--${name} takes a whole number of 1 or more, not "${String(raw)}"`);
  return n;
}

const USAGE = `npm run ops -- <command> [options]

  list    [filters] [--limit 50] [--json]        sagas that need attention (or --outcome …), newest first
  causes  [filters]                              those sagas grouped by cause (failed step + error class)
  find    <id>                                   a saga by workflow ID, event key (or prefix*), delivery id or request id
  counts  [filters]                              sagas needing attention, then per outcome (latest run) and source
  show    <workflowId> [--run <runId>] [--json]  input shape, step timeline, failure, runs
  replay  <workflowId> [--wait]                  replay one failed saga
  replay  [filters]                              dry run: what a bulk replay would touch (permanent failures,
                                                 terminated and canceled runs left out unless
                                                 --include-permanent / --include-terminated)
  replay  [filters] --yes --expect <n>           bulk replay (n = the dry run's count), with progress
  audit   [--limit 20] [--actor sub]             replays, re-queues and re-processes, accepted or refused
  dead-letters [--source s] [--cause c] [--limit 50] [--json]
                                                 starts Temporal refused, with their cause
  requeue <deadLetterId>                         put one back through the normal start path
  requeue [--source s] [--cause c]               dry run: what a bulk re-queue would take
  requeue [--source s] [--cause c] --yes --expect <n>
                                                 bulk re-queue (n = the dry run's count)
  refused [--source s] [--reason r] [--since 2h] [--until …] [--limit 50] [--json]
                                                 requests refused (400, 401, 415) or unrouted, kept
  reprocess <refusedId>                          re-verify one at its receipt time, then deliver it
  reprocess [--source s] [--reason r] [--since …] [--until …]
                                                 dry run: what a bulk re-process would take
  reprocess [same filters] --yes --expect <n>    bulk re-process (n = the dry run's count)

Filters: --outcome attention|failed|compensated|compensation_failed|running|completed|superseded|terminated|timed_out|canceled|any
         (per saga, by its latest run; list, causes and replay default to attention, failed and failed)
         --source <name> --type <eventType, any case> --key <eventKey, or prefix*> --since <2h|30m|7d|ISO> --until <same>
         --step <failed step> --error <error class, e.g. "front 422">: one cause, as \`causes\` prints it
Server:  OPS_URL (default http://127.0.0.1:$PORT). Token: OPS_TOKEN, else one minted from the local
         OPS_JWT_SECRET (development only).`;

const env = loadDevEnv({ ...process.env });
const baseUrl = (env.OPS_URL ?? `http://127.0.0.1:${env.PORT ?? '3000'}`).replace(/\/$/, '');

function token(): string {
  if (env.OPS_TOKEN) return env.OPS_TOKEN;
  const { jwt } = opsConfigFromEnv(env);
  if (jwt.algorithm !== 'HS256' || !jwt.key) throw new Error('set OPS_TOKEN (npm run -s token -- --role operator)');
  return signOpsToken({
    sub: `${userInfo().username}@cli`,
    roles: ['operator'],
    expiresIn: '15m',
    algorithm: 'HS256',
    signingKey: jwt.key,
    issuer: jwt.issuer,
    audience: jwt.audience,
  });
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(`${status} ${String(body.error ?? '')}${body.message ? `: ${String(body.message)}` : ''}${body.runId ? ` (run ${String(body.runId)})` : ''}`);
  }
}

let bearer: string | undefined;

async function api<T>(path: string, body?: unknown): Promise<T> {
  bearer ??= token();
  const res = await fetch(`${baseUrl}/ops/api${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) throw new ApiError(res.status, json);
  return json as T;
}

/** `2h`, `30m`, `7d` ago, or an ISO time. */
function when(option: string, value: string | undefined): string | undefined {
  if (!value) return undefined;
  const rel = /^(\d+)([mhd])$/.exec(value);
  if (!rel) {
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) throw new OptionError(`--${option} takes 30m, 2h, 7d (that long ago) or an ISO time such as 2026-12-01T09:00:00Z, not "${value}"`);
    return date.toISOString();
  }
  const ms = Number(rel[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as 'm' | 'h' | 'd'];
  return new Date(Date.now() - ms).toISOString();
}

function filter(defaultOutcome?: string): Record<string, string> {
  const outcome = values.outcome ?? defaultOutcome;
  const f: Record<string, string | undefined> = {
    outcome: outcome === 'any' ? undefined : outcome,
    source: values.source,
    eventType: values.type,
    eventKey: values.key,
    from: when('since', values.since),
    to: when('until', values.until),
    taskQueue: values['task-queue'],
    failedStep: values.step,
    errorClass: values.error,
    includePermanent: values['include-permanent'] ? 'true' : undefined,
    includeTerminated: values['include-terminated'] ? 'true' : undefined,
  };
  return Object.fromEntries(Object.entries(f).filter((e): e is [string, string] => !!e[1]));
}

const print = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};
const pad = (s: unknown, n: number) => String(s ?? '').padEnd(n).slice(0, n);

/** Columns as wide as their widest value: nothing is cut. */
function table(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  print(line(head));
  for (const r of rows) print(line(r));
}

/** A saga row of the lists, the search and the previews (src/ops/api-schemas.ts). */
type Row = Pick<OpsAnswer<'sagaPage'>['items'][number], 'workflowId' | 'outcome' | 'source' | 'eventType' | 'step' | 'startTime' | 'latestRun' | 'cause' | 'runs' | 'waiting'>;

function rowCells(r: Row): string[] {
  const outcome = r.latestRun ? `${r.outcome}→${r.latestRun.status.toLowerCase()}` : r.outcome;
  const waiting = r.waiting ? `${r.waiting.service ? `waiting for ${r.waiting.service}` : 'retrying'}, attempt ${r.waiting.attempt}` : '';
  const error = r.cause ? `${r.cause.errorClass}${r.cause.permanent ? ' (permanent)' : ''}${r.cause.leftUndone.length ? ' (manual cleanup)' : ''}` : waiting;
  return [r.startTime.slice(0, 19), outcome, r.cause?.failedStep ?? r.step ?? '', error, r.source ?? '', r.eventType ?? '', r.workflowId];
}

const ROW_HEAD = ['STARTED', 'OUTCOME', 'STEP', 'ERROR', 'SOURCE', 'EVENT', 'WORKFLOW'];

async function list(): Promise<void> {
  const limit = count('limit', 50);
  const rows: Row[] = [];
  let pageToken: string | undefined;
  let total: number | undefined;
  do {
    const params = new URLSearchParams({ ...filter('attention'), pageSize: String(Math.min(limit, 200)) });
    if (pageToken) params.set('pageToken', pageToken);
    const page = await api<OpsAnswer<'sagaPage'>>(`/sagas?${params}`);
    rows.push(...page.items);
    total ??= page.total;
    pageToken = page.nextPageToken;
  } while (pageToken && rows.length < limit);
  if (values.json) return print(JSON.stringify(rows.slice(0, limit), null, 2));
  table(ROW_HEAD, rows.slice(0, limit).map(rowCells));
  if (total !== undefined) print(`${Math.min(rows.length, limit)} of ${total}`);
  if (pageToken) print(`… more: raise --limit`);
}

async function causes(): Promise<void> {
  const page = await api<OpsAnswer<'sagaPage'>>(`/sagas?${new URLSearchParams({ ...filter('attention'), pageSize: '1' })}`);
  if (values.json) return print(JSON.stringify(page.groups, null, 2));
  table(
    ['COUNT', 'STEP', 'ERROR', 'NOTE', 'REPLAY THE GROUP'],
    (page.groups ?? []).map((g) => [
      String(g.count),
      g.failedStep ?? '',
      g.errorClass,
      [g.permanent ? 'permanent: a replay fails again' : '', g.leftUndone ? `${g.leftUndone} need manual cleanup` : ''].filter(Boolean).join('; '),
      g.permanent ? '' : `npm run ops -- replay --outcome ${values.outcome ?? 'attention'}${g.failedStep ? ` --step '${g.failedStep}'` : ''} --error '${g.errorClass}'`,
    ]),
  );
  print(`${page.total} saga(s)${page.truncated ? ' (more failed than the console reads at once: narrow --since)' : ''}`);
}

async function find(q: string): Promise<void> {
  const found = await api<OpsAnswer<'search'>>(`/search?q=${encodeURIComponent(q)}`);
  if (values.json) return print(JSON.stringify(found, null, 2));
  if (!found.items.length) {
    print(`nothing found for ${q}${found.scanned ? ` (${found.scanned} newest runs looked at)` : ''}`);
    process.exitCode = 1;
    return;
  }
  print(`found by ${found.matchedBy}:`);
  table(ROW_HEAD, found.items.map(rowCells));
}

async function counts(): Promise<void> {
  const c = await api<OpsAnswer<'counts'>>(`/counts?${new URLSearchParams(filter())}`);
  if (values.json) return print(JSON.stringify(c, null, 2));
  print(`need attention ${c.byOutcome.attention ?? 0}  (permanent, no replay can cure: ${c.permanent}; fixed by a replay: ${c.fixed})`);
  print(`total ${c.total}`);
  for (const [k, v] of Object.entries(c.byOutcome)) if (k !== 'attention') print(`  ${pad(k, 20)} ${v}`);
  for (const [k, v] of Object.entries(c.bySource)) print(`  source ${pad(k, 13)} ${v}`);
}

async function show(workflowId: string): Promise<void> {
  const d = await api<OpsAnswer<'sagaDetail'>>(`/sagas/${encodeURIComponent(workflowId)}${values.run ? `?runId=${encodeURIComponent(values.run)}` : ''}`);
  if (values.json) return print(JSON.stringify(d, null, 2));
  print(`${d.workflowId}  ${d.outcome}  (${d.saga}, run ${d.runId})`);
  print(`  source ${d.searchAttributes.source}  event ${d.searchAttributes.eventType}  key ${d.searchAttributes.eventKey}`);
  print(`  started ${d.startTime}${d.closeTime ? `  closed ${d.closeTime}` : ''}`);
  for (const f of d.cause?.leftUndone ?? []) print(`  MANUAL CLEANUP NEEDED: undo of ${f.step} failed: ${f.error}${f.key ? ` (left in place: ${f.key})` : ''}`);
  if (d.failure) print(`  failure: ${d.failure.saga?.error ?? d.failure.message}${d.failure.saga ? ` (at ${d.failure.saga.failedStep})` : ''}`);
  if (d.cause) print(`  cause: ${d.cause.failedStep ?? '-'} / ${d.cause.errorClass}${d.cause.permanent ? ' (permanent: a replay fails again)' : ''}`);
  print('  steps:');
  for (const s of d.timeline.steps) {
    print(`    ${pad(s.step, 24)} ${pad(s.state, 11)} ${(s.attempts ?? 0) > 1 ? `${s.attempts} attempts ` : ''}${s.error ?? ''}`);
    if (s.undo) print(`    ${pad('', 24)} undo ${s.undo.state}${s.undo.error ? `: ${s.undo.error}` : ''}`);
  }
  for (const p of d.pending) {
    const who = p.service ? `waiting for ${p.service}` : 'retrying';
    print(`  ${who}: ${p.activity} attempt ${p.attempt}${p.nextAttemptAt ? `, next try at ${p.nextAttemptAt}` : ''}${p.lastError ? `, last error ${p.lastError}` : ''}`);
  }
  for (const [name, part] of Object.entries(d.input?.parts ?? {})) {
    print(`  input ${name}: ${part.type}, ${part.bytes ?? 0} bytes${part.fields ? ` (${Object.keys(part.fields).join(', ')})` : ''}`);
  }
  print(`  runs: ${d.runs.map((r) => `…${r.runId.slice(-8)} ${r.status.toLowerCase()}`).join(', ')}`);
  print(`  replayable: ${d.replayable ? 'yes' : 'no'}`);
  print(`  ${d.temporalUiUrl}`);
}

function bar(done: number, total: number): string {
  const width = 30;
  const filled = total ? Math.round((done / total) * width) : width;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`;
}

async function replayOne(workflowId: string): Promise<void> {
  const r = await api<OpsAnswer<'replay'>>(`/sagas/${encodeURIComponent(workflowId)}/replay`, {});
  print(`replayed ${workflowId}: run ${r.runId} (was ${r.previousRunId})`);
  if (!values.wait) return;
  for (;;) {
    const d = await api<OpsAnswer<'sagaDetail'>>(`/sagas/${encodeURIComponent(workflowId)}?runId=${r.runId}`);
    if (d.status !== 'RUNNING') return print(`finished: ${d.outcome}`);
    await new Promise((done) => setTimeout(done, 1000));
  }
}

async function replayMany(): Promise<void> {
  const f = filter();
  const preview = await api<OpsAnswer<'bulkPreview'>>('/replays/preview', { filter: f });
  let expect = values.expect === undefined ? undefined : count('expect', 1);
  if (!values.yes || expect === undefined) {
    table(ROW_HEAD, preview.items.slice(0, 20).map(rowCells));
    if (preview.count > 20) print(`  … and ${preview.count - 20} more`);
    const left = [preview.excluded.permanent ? `${preview.excluded.permanent} permanent (--include-permanent)` : '', preview.excluded.terminated ? `${preview.excluded.terminated} terminated or canceled (--include-terminated)` : ''].filter(Boolean);
    print(`${preview.count} saga(s) would be replayed${preview.alreadyReplayed ? ` (${preview.alreadyReplayed} already replayed, skipped)` : ''}${left.length ? `; left out: ${left.join(', ')}` : ''}.`);
    if (preview.truncated) throw new Error('too many match: narrow the filter');
    if (preview.count === 0) return;
    if (!process.stdin.isTTY) return print(`To replay them: add --yes --expect ${preview.count}`);
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await rl.question(`Type ${preview.count} to replay them: `);
    rl.close();
    if (answer.trim() !== String(preview.count)) return print('not confirmed; nothing replayed');
    expect = preview.count;
  }
  const { jobId, total } = await api<OpsAnswer<'jobStarted'>>('/replays', { filter: preview.filter, expect });
  for (;;) {
    const job = await api<OpsAnswer<'job'>>(`/replays/${jobId}`);
    const handled = job.replayed + job.refused + job.errors;
    const { completed, failedAgain, running } = job.outcomes;
    const state = job.state === 'interrupted' ? '  INTERRUPTED, waiting for a receiver to resume it' : job.state === 'following' ? `  following: ${completed} completed, ${failedAgain} failed again, ${running} running` : '';
    process.stderr.write(`\r${bar(handled, total)}  replayed ${job.replayed}  refused ${job.refused}  errors ${job.errors}${state}\x1b[K`);
    if (job.state === 'done') {
      process.stderr.write('\n');
      for (const r of job.results.filter((x) => x.result !== 'replayed')) print(`  ${r.result}: ${r.workflowId} (${r.reason})`);
      if (job.interruptions.length) print(`  resumed ${job.interruptions.length} time(s) after its receiver stopped`);
      print(`done: ${job.replayed} replayed, ${job.refused} refused, ${job.errors} errors (job ${jobId})`);
      print(`replayed runs: ${completed} completed, ${failedAgain} failed again, ${running} still running`);
      if (job.errors) process.exitCode = 1;
      return;
    }
    await new Promise((done) => setTimeout(done, 500));
  }
}

function deadLetterFilter(): Record<string, string> {
  return Object.fromEntries(Object.entries({ source: values.source, cause: values.cause }).filter((e): e is [string, string] => !!e[1]));
}

async function deadLetters(): Promise<void> {
  const params = new URLSearchParams({ ...deadLetterFilter(), limit: String(count('limit', 50)) });
  const page = await api<OpsAnswer<'deadLetters'>>(`/dead-letters?${params}`);
  if (values.json) return print(JSON.stringify(page, null, 2));
  print(`${page.total} dead letter(s)${page.truncated ? ` (showing ${page.items.length})` : ''}`);
  for (const d of page.items) {
    print(`${pad(d.id, 16)} ${pad(d.deadAt.slice(0, 19), 20)} ${pad(d.source, 10)} ${pad(d.eventType, 22)} ${d.workflowId ?? '(unreadable)'}`);
    print(`    ${d.causeType}: ${d.cause}${d.requeueable ? '' : ' (cannot be re-queued)'}`);
  }
}

async function requeueOne(id: string): Promise<void> {
  const r = await api<OpsAnswer<'requeued'>>(`/dead-letters/${encodeURIComponent(id)}/requeue`, {});
  print(`re-queued ${id}${r.workflowId ? ` (${r.workflowId})` : ''}: outbox entry ${r.outboxId}`);
}

async function requeueMany(): Promise<void> {
  const f = deadLetterFilter();
  const preview = await api<OpsAnswer<'requeuePreview'>>('/dead-letters/requeue/preview', { filter: f });
  if (!values.yes || values.expect === undefined) {
    for (const d of preview.items.slice(0, 20)) print(`  ${pad(d.id, 16)} ${pad(d.causeType, 18)} ${d.workflowId}`);
    if (preview.count > 20) print(`  … and ${preview.count - 20} more`);
    print(`${preview.count} dead letter(s) would be re-queued.`);
    if (preview.truncated) throw new Error('too many match: narrow the filter');
    if (preview.count > 0) print(`To re-queue them: add --yes --expect ${preview.count}`);
    return;
  }
  const r = await api<OpsAnswer<'requeuedMany'>>('/dead-letters/requeue', { filter: preview.filter, expect: count('expect', 1) });
  print(`done: ${r.requeued} re-queued, ${r.gone} gone already (job ${r.jobId})`);
}

interface RefusedRow {
  id: string;
  source: string;
  status: number;
  reason: string;
  eventType?: string;
  receivedAt: string;
  requestId: string;
  reverifiable: boolean;
  verified: boolean;
  redacted: string[];
  body: { kept: string; bytes: number };
}

interface Reprocessed {
  id: string;
  result: string;
  workflowId?: string;
  status?: number;
  reason?: string;
}

function refusedFilter(): Record<string, string> {
  const f = { source: values.source, reason: values.reason, from: when('since', values.since), to: when('until', values.until) };
  return Object.fromEntries(Object.entries(f).filter((e): e is [string, string] => !!e[1]));
}

function refusedCells(r: RefusedRow): string[] {
  const notes = [r.reverifiable ? '' : r.verified ? 'credential redacted (verified on arrival)' : 'credential redacted: cannot be re-verified', r.body.kept === 'no' ? 'body not kept' : ''].filter(Boolean).join('; ');
  return [r.id, r.receivedAt.slice(0, 19), r.source, String(r.status), r.reason, r.eventType ?? '', r.requestId, notes];
}

const REFUSED_HEAD = ['ID', 'RECEIVED', 'SOURCE', 'STATUS', 'REASON', 'EVENT', 'REQUEST', 'NOTE'];

async function refused(): Promise<void> {
  const params = new URLSearchParams({ ...refusedFilter(), limit: String(Math.min(count('limit', 50), 500)) });
  const page = await api<{ total: number; items: RefusedRow[]; next?: string }>(`/refused?${params}`);
  if (values.json) return print(JSON.stringify(page, null, 2));
  table(REFUSED_HEAD, page.items.map(refusedCells));
  print(`${page.items.length} of ${page.total} refused request(s), newest first${page.next ? ': raise --limit for more' : ''}`);
}

const reprocessedLine = (r: Reprocessed) => `${r.id}: ${r.result}${r.workflowId ? ` ${r.workflowId}` : ''}${r.reason ? ` (${r.status ? `${r.status} ` : ''}${r.reason})` : ''}`;

async function reprocessOne(id: string): Promise<void> {
  const r = await api<Reprocessed>(`/refused/${encodeURIComponent(id)}/reprocess`, {});
  print(reprocessedLine(r));
  if (r.result === 'refused' || r.result === 'unrouted') process.exitCode = 1;
}

async function reprocessMany(): Promise<void> {
  const preview = await api<{ count: number; truncated: boolean; excluded: Record<string, number>; filter: Record<string, string>; items: RefusedRow[] }>('/refused/reprocess/preview', { filter: refusedFilter() });
  if (!values.yes || values.expect === undefined) {
    table(REFUSED_HEAD, preview.items.slice(0, 20).map(refusedCells));
    if (preview.count > 20) print(`  … and ${preview.count - 20} more`);
    const left = Object.entries(preview.excluded).map(([why, n]) => `${n} ${why}`);
    print(`${preview.count} refused request(s) would be re-processed${left.length ? `; left out (cannot be re-processed): ${left.join(', ')}` : ''}.`);
    if (preview.truncated) throw new Error('too many match: narrow the filter');
    if (preview.count > 0) print(`To re-process them: add --yes --expect ${preview.count}`);
    return;
  }
  const r = await api<{ jobId: string; counts: Record<string, number>; results: Reprocessed[] }>('/refused/reprocess', { filter: preview.filter, expect: count('expect', 1) });
  for (const x of r.results.filter((x) => !['started', 'queued', 'duplicate', 'answered'].includes(x.result))) print(`  ${reprocessedLine(x)}`);
  const { total, ...counts } = r.counts;
  print(`done: ${total} re-processed: ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')} (job ${r.jobId})`);
}

async function audit(): Promise<void> {
  const params = new URLSearchParams({ limit: String(Math.min(count('limit', 20), 500)) });
  if (values.actor) params.set('actor', values.actor);
  const { entries } = await api<OpsAnswer<'audit'>>(`/audit?${params}`);
  if (values.json) return print(JSON.stringify(entries, null, 2));
  table(
    ['AT', 'WHO', 'ACTION', 'OUTCOME', 'WHAT'],
    entries.map((e) => [e.at, e.actor, e.action, e.outcome, (e.workflowIds ?? []).join(',') || e.jobId || e.deadLetterId || e.refusedId || '']),
  );
}

async function main(): Promise<void> {
  const [command, arg] = positionals;
  if (values.help || !command) return print(USAGE);
  switch (command) {
    case 'list':
      return list();
    case 'counts':
      return counts();
    case 'causes':
      return causes();
    case 'find':
      if (!arg) throw new OptionError('usage: ops find <workflow ID, event key, delivery id or request id>');
      return find(arg);
    case 'show':
      if (!arg) throw new Error('usage: ops show <workflowId>');
      return show(arg);
    case 'replay':
      return arg ? replayOne(arg) : replayMany();
    case 'audit':
      return audit();
    case 'dead-letters':
      return deadLetters();
    case 'requeue':
      return arg ? requeueOne(arg) : requeueMany();
    case 'refused':
      return refused();
    case 'reprocess':
      return arg ? reprocessOne(arg) : reprocessMany();
    default:
      throw new OptionError(`unknown command ${command}: list | causes | find | counts | show | replay | audit | dead-letters | requeue | refused | reprocess`);
  }
}

main().catch((err) => {
  process.stderr.write(`[ops] ${(err as Error).message}${err instanceof OptionError ? '. See: npm run ops -- --help' : ''}\n`);
  process.exitCode = err instanceof OptionError ? 2 : 1;
});
