import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
import { EventKey, EventType, SagaOutcome, SagaStep, WebhookSource } from '../../core/saga/search-attributes';
import { closedNotCompleted, idList, visibilityQuery, type SagaFilter } from './filters';

/** Finding sagas through Temporal visibility (list, pages, counts). Visibility is eventually consistent. */

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
}

export interface SagaPage {
  items: SagaRow[];
  /** Opaque; pass back as pageToken for the next page. Absent on the last page. */
  nextPageToken?: string;
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

export async function listSagas(client: Client, filter: SagaFilter, options: { pageSize?: number; pageToken?: string } = {}): Promise<SagaPage> {
  const pageSize = Math.min(Math.max(options.pageSize ?? 50, 1), 200);
  const token = options.pageToken ? Buffer.from(options.pageToken, 'base64url') : undefined;
  const { infos, next } = await listRaw(client, visibilityQuery(filter), pageSize, token);
  const items = infos.map(toRow);
  await markReplayed(client, items);
  return { items, nextPageToken: next };
}

/** Every saga matching the filter, up to `limit` (for bulk replay's dry run). */
export async function listAll(client: Client, filter: SagaFilter, limit: number): Promise<{ items: SagaRow[]; truncated: boolean }> {
  const items: SagaRow[] = [];
  let token: string | undefined;
  do {
    const page = await listSagas(client, filter, { pageSize: 200, pageToken: token });
    items.push(...page.items);
    token = page.nextPageToken;
  } while (token && items.length <= limit);
  return { items: items.slice(0, limit), truncated: items.length > limit };
}

export interface SagaCounts {
  total: number;
  byOutcome: Record<Exclude<RowOutcome, 'other'>, number>;
  bySource: Record<string, number>;
}

const STATUS_NAMES: Record<string, keyof SagaCounts['byOutcome']> = {
  Running: 'running',
  Completed: 'completed',
  Terminated: 'terminated',
  TimedOut: 'timed_out',
  Canceled: 'canceled',
};

const STATUSES = ['Running', 'Completed', 'Failed', 'Terminated', 'TimedOut', 'Canceled'];

/** One GROUP BY where the server supports it (the dev server does), else one count per status. */
async function countByStatus(client: Client, base: string): Promise<{ count: number; groupValues: unknown[] }[]> {
  try {
    return (await client.workflow.count(`${base} GROUP BY ExecutionStatus`)).groups;
  } catch {
    const counts = await Promise.all(STATUSES.map(async (s) => (await client.workflow.count(`${base} AND ExecutionStatus = '${s}'`)).count));
    return STATUSES.map((s, i) => ({ count: counts[i] ?? 0, groupValues: [[s]] }));
  }
}

/**
 * Counts per outcome and source for the filter's other conditions (its outcome is ignored). The dev
 * server groups by ExecutionStatus but not by custom attributes, so saga outcomes and sources are
 * counted one query each; the sources are the registered ones.
 */
export async function countSagas(client: Client, filter: SagaFilter, sources: readonly string[]): Promise<SagaCounts> {
  const base = visibilityQuery({ ...filter, outcome: undefined });
  const count = async (extra: string) => (await client.workflow.count(`${base} AND ${extra}`)).count;
  const byOutcome: SagaCounts['byOutcome'] = {
    running: 0,
    completed: 0,
    superseded: 0,
    failed: 0,
    compensated: 0,
    compensation_failed: 0,
    terminated: 0,
    timed_out: 0,
    canceled: 0,
  };
  let total = 0;
  let failedOnly = 0;
  for (const group of await countByStatus(client, base)) {
    const first = group.groupValues[0];
    const name = String(Array.isArray(first) ? first[0] : first);
    total += group.count;
    if (name === 'Failed') failedOnly = group.count;
    const key = STATUS_NAMES[name];
    if (key) byOutcome[key] = group.count;
  }
  const [superseded, compensated, compensationFailed, ...perSource] = await Promise.all([
    count(`ExecutionStatus = 'Completed' AND SagaOutcome = 'superseded'`),
    count(`ExecutionStatus = 'Failed' AND SagaOutcome = 'compensated'`),
    count(`ExecutionStatus = 'Failed' AND SagaOutcome = 'compensation_failed'`),
    ...sources.map((s) => count(`WebhookSource = '${s}'`)),
  ]);
  // Superseded runs completed too: counted apart, as the list shows them.
  byOutcome.superseded = superseded ?? 0;
  byOutcome.completed -= byOutcome.superseded;
  byOutcome.compensated = compensated ?? 0;
  byOutcome.compensation_failed = compensationFailed ?? 0;
  byOutcome.failed = failedOnly + byOutcome.terminated + byOutcome.timed_out + byOutcome.canceled;
  const bySource = Object.fromEntries(sources.map((s, i) => [s, perSource[i] ?? 0]));
  return { total, byOutcome, bySource };
}
