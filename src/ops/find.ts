import { WorkflowNotFoundError, type Client, type WorkflowExecutionDescription, type WorkflowExecutionInfo } from '@temporalio/client';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
import { EventKey, EventType, SagaOutcome, SagaStep, WebhookSource } from '../../core/saga/search-attributes';
import type { CauseReader, SagaCause } from './cause';
import { pendingActivities, retrying, type PendingActivity } from './pending';
import { OpsBadRequestError, OpsNotFoundError } from './errors';
import { searchablePrefix } from '../../core/workflow-id';
import { SAGA_OUTCOMES, closedNotCompleted, idList, inScope, quotable, scopeQuery, visibilityQuery, type OutcomeFilter, type SagaFilter, type Scope } from './filters';

/**
 * Finding sagas through Temporal visibility (list, pages, counts). Visibility is eventually
 * consistent. Visibility lists runs; the console's unit is the saga (the workflow ID), whose latest
 * run decides its state: a failed run that was replayed is shown under its saga, not as a failure.
 */

export type RowOutcome = 'running' | 'completed' | 'superseded' | 'compensated' | 'compensation_failed' | 'failed' | 'terminated' | 'timed_out' | 'canceled' | 'other';

export interface SagaRow {
  workflowId: string;
  runId: string;
  saga: string;
  status: string;
  outcome: RowOutcome;
  source?: string;
  eventType?: string;
  eventKey?: string;
  /** The step running now, or the last one reached. */
  step?: string;
  startTime: string;
  closeTime?: string;
  /** Set when a later run of the same workflow ID exists (this run was already replayed). */
  latestRun?: { runId: string; status: string };
  /** Closed without completing and not replayed yet. */
  replayable: boolean;
  /** Closed without completing: why (the failed step, the error class, permanent or not, what was left undone). */
  cause?: SagaCause;
  /** The latest run failed or timed out: somebody has to act. */
  needsAttention?: boolean;
  /** How many runs the workflow ID has (a replay adds one). */
  runs?: number;
  /** Running: the activity it is retrying, with the service it waits for. */
  waiting?: PendingActivity;
}

export interface SagaPage {
  items: SagaRow[];
  /** Opaque; pass back as pageToken for the next page. Absent on the last page. */
  nextPageToken?: string;
  /** Sagas matching (outcomes decided per saga), or runs matching (running, completed, superseded, any). */
  total?: number;
  /** Per saga: the matching sagas grouped by cause, biggest first (the cause filter itself left out). */
  groups?: CauseGroup[];
  /** More failed runs matched than the console reads at once: narrow the time range. */
  truncated?: boolean;
}

export interface CauseGroup {
  failedStep?: string;
  errorClass: string;
  permanent: boolean;
  count: number;
  /** Sagas of the group whose failed undo left an effect in place. */
  leftUndone: number;
}

export function outcomeOf(status: string, sagaOutcome: string | undefined): RowOutcome {
  switch (status) {
    case 'RUNNING':
      return 'running';
    case 'COMPLETED':
      return sagaOutcome === 'superseded' ? 'superseded' : 'completed';
    case 'FAILED':
      return sagaOutcome === 'compensated' || sagaOutcome === 'compensation_failed' ? sagaOutcome : 'failed';
    case 'TERMINATED':
      return 'terminated';
    case 'TIMED_OUT':
      return 'timed_out';
    case 'CANCELLED':
      return 'canceled';
    default:
      return 'other';
  }
}

function toRow(info: WorkflowExecutionInfo): SagaRow {
  const sa = info.typedSearchAttributes;
  const status = info.status.name;
  return {
    workflowId: info.workflowId,
    runId: info.runId,
    saga: info.type,
    status,
    outcome: outcomeOf(status, sa.get(SagaOutcome)),
    source: sa.get(WebhookSource),
    eventType: sa.get(EventType),
    eventKey: sa.get(EventKey),
    step: sa.get(SagaStep),
    startTime: info.startTime.toISOString(),
    closeTime: info.closeTime?.toISOString(),
    replayable: closedNotCompleted(status),
  };
}

async function listRaw(client: Client, query: string, pageSize: number, pageToken?: Uint8Array) {
  const response = await client.workflowService.listWorkflowExecutions({
    namespace: client.options.namespace,
    query,
    pageSize,
    nextPageToken: pageToken,
  });
  const infos = await Promise.all(
    response.executions.map((raw) => executionInfoFromRaw(raw, client.options.loadedDataConverter, raw, client.options.namespace)),
  );
  const next = response.nextPageToken?.length ? Buffer.from(response.nextPageToken).toString('base64url') : undefined;
  return { infos: infos as WorkflowExecutionInfo[], next };
}

/**
 * A replayed saga keeps its failed run in visibility beside the new one. Marks such runs with the
 * latest run of their workflow ID, so the console shows "replayed" and never offers them again.
 */
async function markReplayed(client: Client, rows: SagaRow[]): Promise<void> {
  const ids = [...new Set(rows.filter((r) => r.replayable).map((r) => r.workflowId))];
  if (ids.length === 0) return;
  const latest = new Map<string, WorkflowExecutionInfo>();
  for await (const info of client.workflow.list({ query: `WorkflowId IN (${idList(ids)})` })) {
    const seen = latest.get(info.workflowId);
    if (!seen || info.startTime > seen.startTime) latest.set(info.workflowId, info);
  }
  for (const row of rows) {
    const newest = latest.get(row.workflowId);
    if (newest && newest.runId !== row.runId) {
      row.latestRun = { runId: newest.runId, status: newest.status.name };
      row.replayable = false;
    }
  }
}

/** Running sagas retrying a step: what they wait for, from Temporal's pending activities (one describe each). */
async function markWaiting(client: Client, rows: SagaRow[]): Promise<void> {
  await Promise.all(
    rows
      .filter((r) => r.status === 'RUNNING')
      .map(async (row) => {
        const description = await client.workflow.getHandle(row.workflowId, row.runId).describe().catch(() => undefined);
        if (description) row.waiting = retrying(await pendingActivities(description, client.options.loadedDataConverter));
      }),
  );
}

/** Running, completed and superseded runs, or any outcome: visibility's own pages, replayed runs left to their saga's latest. */
async function listRuns(client: Client, scope: Scope, filter: SagaFilter, pageSize: number, pageToken?: string): Promise<SagaPage> {
  const token = pageToken ? Buffer.from(pageToken, 'base64url') : undefined;
  const query = visibilityQuery(filter, scope);
  const [{ infos, next }, total] = await Promise.all([listRaw(client, query, pageSize, token), pageToken ? undefined : client.workflow.count(query).then((c) => c.count)]);
  const items = infos.map(toRow);
  await Promise.all([markReplayed(client, items), markWaiting(client, items)]);
  return { items: items.filter((r) => !r.latestRun), nextPageToken: next, ...(total === undefined ? {} : { total }) };
}

/** How many failed runs one look reads at most (an incident of thousands: narrow the time range). */
const SAGA_SET_MAX = 5000;
const IDS_PER_QUERY = 200;

export interface SagaSet {
  /** One row per workflow ID that has a failed run matching the filter: its latest run. */
  sagas: SagaRow[];
  truncated: boolean;
}

/**
 * The sagas that have a run matching the filter that closed without completing (or the workflow IDs
 * given), each as its latest run: those whose latest run is still a failure carry its cause. Sorted
 * by start time, newest first.
 */
async function sagaSet(client: Client, scope: Scope, filter: SagaFilter, causes: CauseReader, workflowIds?: string[]): Promise<SagaSet> {
  const ids = new Set<string>(workflowIds);
  let truncated = false;
  if (!workflowIds) {
    const failedRuns = visibilityQuery({ ...filter, outcome: 'failed' }, scope);
    let token: Uint8Array | undefined;
    do {
      const { infos, next } = await listRaw(client, failedRuns, 1000, token);
      for (const info of infos) ids.add(info.workflowId);
      token = next ? Buffer.from(next, 'base64url') : undefined;
      if (ids.size >= SAGA_SET_MAX) truncated = !!token;
    } while (token && !truncated);
  }

  const latest = new Map<string, { info: WorkflowExecutionInfo; runs: number }>();
  const all = [...ids];
  for (let i = 0; i < all.length; i += IDS_PER_QUERY) {
    const query = `${scopeQuery(scope)} AND WorkflowId IN (${idList(all.slice(i, i + IDS_PER_QUERY))})`;
    for await (const info of client.workflow.list({ query, pageSize: 1000 })) {
      const seen = latest.get(info.workflowId);
      if (!seen) latest.set(info.workflowId, { info, runs: 1 });
      else latest.set(info.workflowId, { info: info.startTime > seen.info.startTime ? info : seen.info, runs: seen.runs + 1 });
    }
  }
  const sagas = [...latest.values()].map(({ info, runs }) => ({ ...toRow(info), runs }));
  const failed = sagas.filter((r) => r.replayable);
  const found = await causes.many(failed);
  for (const row of failed) {
    row.cause = found.get(row.runId);
    row.needsAttention = row.status === 'FAILED' || row.status === 'TIMED_OUT';
  }
  sagas.sort((a, b) => b.startTime.localeCompare(a.startTime));
  return { sagas, truncated };
}

/** Whether a saga (by its latest run) has an outcome decided per saga. */
function hasSagaOutcome(row: SagaRow, outcome: OutcomeFilter): boolean {
  if (!row.replayable) return false;
  if (outcome === 'attention') return row.needsAttention === true;
  if (outcome === 'failed') return true;
  return row.outcome === outcome;
}

function matchesCause(row: SagaRow, filter: SagaFilter): boolean {
  if (filter.failedStep && row.cause?.failedStep !== filter.failedStep) return false;
  if (filter.errorClass && row.cause?.errorClass !== filter.errorClass) return false;
  return true;
}

function groupByCause(rows: SagaRow[]): CauseGroup[] {
  const groups = new Map<string, CauseGroup>();
  for (const row of rows) {
    const cause = row.cause;
    if (!cause) continue;
    const key = `${cause.failedStep ?? ''}\u0000${cause.errorClass}`;
    const group = groups.get(key) ?? { failedStep: cause.failedStep, errorClass: cause.errorClass, permanent: cause.permanent, count: 0, leftUndone: 0 };
    group.count++;
    if (cause.leftUndone.length) group.leftUndone++;
    groups.set(key, group);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.errorClass.localeCompare(b.errorClass));
}

/** The sagas a filter with an outcome decided per saga matches (its outcome and cause included). */
export async function matchingSagas(client: Client, scope: Scope, filter: SagaFilter, causes: CauseReader): Promise<{ rows: SagaRow[]; groups: CauseGroup[]; truncated: boolean; fixed: number }> {
  const outcome = filter.outcome ?? 'failed';
  const { sagas, truncated } = await sagaSet(client, scope, filter, causes);
  const withOutcome = sagas.filter((r) => hasSagaOutcome(r, outcome));
  return {
    rows: withOutcome.filter((r) => matchesCause(r, filter)),
    groups: groupByCause(withOutcome),
    truncated,
    fixed: sagas.filter((r) => !r.replayable).length,
  };
}

/** The page tokens of per-saga lists: an offset, in the same form as visibility's (base64url JSON). */
function offsetOf(pageToken: string | undefined): number {
  if (!pageToken) return 0;
  const value = JSON.parse(Buffer.from(pageToken, 'base64url').toString('utf8')) as { offset?: unknown };
  if (!Number.isInteger(value.offset) || (value.offset as number) < 0) throw new OpsBadRequestError('bad_page_token', 'pageToken is not a token this API gave out');
  return value.offset as number;
}

export async function listSagas(
  client: Client,
  scope: Scope,
  causes: CauseReader,
  filter: SagaFilter,
  options: { pageSize?: number; pageToken?: string } = {},
): Promise<SagaPage> {
  const pageSize = Math.min(Math.max(options.pageSize ?? 50, 1), 200);
  if (!filter.outcome || !SAGA_OUTCOMES.includes(filter.outcome)) return listRuns(client, scope, filter, pageSize, options.pageToken);
  const offset = offsetOf(options.pageToken);
  const { rows, groups, truncated } = await matchingSagas(client, scope, filter, causes);
  const end = offset + pageSize;
  return {
    items: rows.slice(offset, end),
    nextPageToken: end < rows.length ? Buffer.from(JSON.stringify({ offset: end })).toString('base64url') : undefined,
    total: rows.length,
    groups,
    truncated,
  };
}

export interface SagaCounts {
  /** Sagas: running, completed (superseded included), and those whose latest run did not complete. */
  total: number;
  /** Per saga by its latest run; `attention` = compensated + compensation_failed + failed + timed_out, of which `permanent` can never succeed. */
  byOutcome: Record<Exclude<RowOutcome, 'other'> | 'attention', number>;
  /** Of those needing attention, how many failed on a permanent input problem (no replay can cure them). */
  permanent: number;
  /** Sagas with a failed run whose latest run completed or runs again (fixed by a replay). */
  fixed: number;
  /** Runs per source (every run, replays included). */
  bySource: Record<string, number>;
  /** More failed runs matched than the console reads at once: the per-saga counts are a lower bound. */
  truncated: boolean;
}

/**
 * Counts for the filter's other conditions (its outcome and cause are ignored). Running and completed
 * runs are counted by visibility (such a run is always its workflow ID's latest); the outcomes of
 * failed sagas come from their latest runs (src/ops/find.ts sagaSet). The dev server cannot group by
 * custom attributes, so superseded and sources are counted one query each.
 */
export async function countSagas(client: Client, scope: Scope, causes: CauseReader, filter: SagaFilter): Promise<SagaCounts> {
  const base = visibilityQuery({ ...filter, outcome: undefined }, scope);
  const count = async (extra: string) => (await client.workflow.count(`${base} AND ${extra}`)).count;
  const [running, completed, superseded, perSource, set] = await Promise.all([
    count(`ExecutionStatus = 'Running'`),
    count(`ExecutionStatus = 'Completed'`),
    count(`ExecutionStatus = 'Completed' AND SagaOutcome = 'superseded'`),
    Promise.all(scope.sources.map((s) => count(`WebhookSource = '${s}'`))),
    sagaSet(client, scope, { ...filter, outcome: undefined, failedStep: undefined, errorClass: undefined }, causes),
  ]);
  const failedSagas = set.sagas.filter((r) => r.replayable);
  const of = (outcome: OutcomeFilter) => failedSagas.filter((r) => hasSagaOutcome(r, outcome)).length;
  const byOutcome: SagaCounts['byOutcome'] = {
    attention: of('attention'),
    running,
    completed: completed - superseded,
    superseded,
    failed: failedSagas.length,
    compensated: of('compensated'),
    compensation_failed: of('compensation_failed'),
    terminated: of('terminated'),
    timed_out: of('timed_out'),
    canceled: of('canceled'),
  };
  return {
    total: running + completed + failedSagas.length,
    byOutcome,
    permanent: failedSagas.filter((r) => r.needsAttention && r.cause?.permanent).length,
    fixed: set.sagas.length - failedSagas.length,
    bySource: Object.fromEntries(scope.sources.map((s, i) => [s, perSource[i] ?? 0])),
    truncated: set.truncated,
  };
}

export type MatchedBy = 'workflowId' | 'eventKey' | 'deliveryId' | 'requestId';

/** How many runs a search by delivery or request id reads (their memo), newest first, within the time range. */
const MEMO_SCAN_MAX = 10_000;

/**
 * One search box: a workflow ID, an event key (exact, or `prefix*`), a vendor delivery id or a
 * request id. Delivery and request ids live in each run's memo, which visibility returns but cannot
 * search, so those are matched over the newest runs in the filter's time range.
 */
export async function searchSagas(client: Client, scope: Scope, causes: CauseReader, q: string, filter: SagaFilter): Promise<{ items: SagaRow[]; matchedBy?: MatchedBy; scanned?: number }> {
  const latestOf = async (workflowIds: string[]): Promise<SagaRow[]> => {
    if (workflowIds.length === 0) return [];
    const { sagas } = await sagaSet(client, scope, {}, causes, workflowIds);
    return sagas;
  };
  const byId = quotable(q) ? await latestOf([q]) : [];
  if (byId.length) return { items: byId, matchedBy: 'workflowId' };
  if (!q.endsWith('*') || searchablePrefix(q.slice(0, -1))) {
    const { infos } = await listRaw(client, visibilityQuery({ ...filter, outcome: undefined, eventKey: q }, scope), 200);
    if (infos.length) return { items: await latestOf([...new Set(infos.map((i) => i.workflowId))]), matchedBy: 'eventKey' };
  }
  const wanted = q.toLowerCase();
  const found = new Map<string, MatchedBy>();
  let scanned = 0;
  let token: Uint8Array | undefined;
  do {
    const { infos, next } = await listRaw(client, visibilityQuery({ ...filter, outcome: undefined }, scope), 1000, token);
    for (const info of infos) {
      const delivery = (info.memo as { delivery?: { deliveryId?: string; requestId?: string } } | undefined)?.delivery;
      if (delivery?.deliveryId?.toLowerCase() === wanted) found.set(info.workflowId, 'deliveryId');
      else if (delivery?.requestId?.toLowerCase() === wanted) found.set(info.workflowId, 'requestId');
    }
    scanned += infos.length;
    token = next ? Buffer.from(next, 'base64url') : undefined;
  } while (token && scanned < MEMO_SCAN_MAX && found.size === 0);
  return { items: await latestOf([...found.keys()]), matchedBy: found.values().next().value, scanned };
}

/** The latest run of a saga of this deployment; another workflow of the namespace is "not found", as it is in the lists. */
export async function describeSaga(client: Client, workflowId: string, scope: Scope | undefined, runId?: string): Promise<WorkflowExecutionDescription> {
  let description: WorkflowExecutionDescription;
  try {
    description = await client.workflow.getHandle(workflowId, runId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new OpsNotFoundError('saga_not_found', `no saga ${workflowId}`);
    throw err;
  }
  if (!inScope(scope, description.taskQueue, description.typedSearchAttributes.get(WebhookSource))) throw new OpsNotFoundError('saga_not_found', `no saga ${workflowId}`);
  return description;
}
