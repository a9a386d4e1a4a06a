import type { Client } from '@temporalio/client';
import type { DeliveryMeta } from '../../core/saga/input';
import { statusQuery } from '../../core/saga/status';
import { EventKey, EventType, SagaOutcome, SagaStep, WebhookSource } from '../../core/saga/search-attributes';
import { causeFromCloseEvent, type SagaCause } from './cause';
import { closedNotCompleted, type Scope } from './filters';
import { describeSaga, outcomeOf, type RowOutcome } from './find';
import { pendingActivities, type PendingActivity } from './pending';
import { decodeHistory, startedAttributes, timelineFromHistory, timelineFromStatus, workflowFailure, type Timeline, type WorkflowFailure } from './history';

/** One saga run, as the console shows it. Never the event body: its shape and size only. */
export interface SagaDetail {
  workflowId: string;
  runId: string;
  saga: string;
  taskQueue: string;
  status: string;
  outcome: RowOutcome;
  startTime: string;
  closeTime?: string;
  historyLength: number;
  searchAttributes: { source?: string; eventKey?: string; eventType?: string; step?: string; sagaOutcome?: string };
  delivery?: DeliveryMeta;
  /** Present on a run started by a replay: who replayed which run. */
  replayOf?: ReplayMemo;
  input?: InputSummary;
  timeline: Timeline;
  failure?: WorkflowFailure;
  /** A run that closed without completing: the failed step, the error class, what was left undone. */
  cause?: SagaCause;
  /** Activities retrying right now (running sagas only); `service` when its downstream is unavailable. */
  pending: PendingActivity[];
  /** Every run under this workflow ID, newest first (a replay adds one). */
  runs: { runId: string; status: string; startTime: string; closeTime?: string }[];
  replayable: boolean;
  temporalUiUrl: string;
}

export interface ReplayMemo {
  previousRunId: string;
  by: string;
  at: string;
  /** Which replay request created the run (src/ops/replay.ts tells the winner of a race by it). */
  ticket?: string;
}

export interface ValueShape {
  type: string;
  bytes?: number;
  keys?: number;
  items?: number;
}

export interface InputSummary {
  meta?: DeliveryMeta;
  /** Every other input field (the event, or a reference to it), as shapes: names, types and sizes, no values. */
  parts: Record<string, ValueShape & { fields?: Record<string, ValueShape> }>;
}

const MAX_FIELDS = 40;

function shape(value: unknown): ValueShape {
  if (value === null) return { type: 'null' };
  if (Array.isArray(value)) return { type: 'array', items: value.length, bytes: JSON.stringify(value).length };
  if (typeof value === 'object') return { type: 'object', keys: Object.keys(value).length, bytes: JSON.stringify(value).length };
  if (typeof value === 'string') return { type: 'string', bytes: Buffer.byteLength(value) };
  return { type: typeof value };
}

/** The delivery metadata, and for the rest sizes and field names, never values: an event may carry personal data. */
export function summarizeInput(input: unknown): InputSummary {
  if (!input || typeof input !== 'object') return { parts: {} };
  const { meta, ...rest } = input as { meta?: DeliveryMeta } & Record<string, unknown>;
  const parts: InputSummary['parts'] = {};
  for (const [name, value] of Object.entries(rest)) {
    const fields =
      value && typeof value === 'object' && !Array.isArray(value)
        ? Object.fromEntries(Object.entries(value).slice(0, MAX_FIELDS).map(([k, v]) => [k, shape(v)]))
        : undefined;
    parts[name] = fields ? { ...shape(value), fields } : shape(value);
  }
  return { meta, parts };
}

export function temporalUiLink(uiUrl: string, namespace: string, workflowId: string, runId: string): string {
  return `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/history`;
}

/** How long the console waits for a running saga to answer its status query before reading history. */
const STATUS_QUERY_TIMEOUT_MS = 3000;

export async function inspectSaga(client: Client, scope: Scope | undefined, uiUrl: string, workflowId: string, runId?: string): Promise<SagaDetail> {
  const description = await describeSaga(client, workflowId, scope, runId);
  const run = client.workflow.getHandle(workflowId, description.runId);
  const converter = client.options.loadedDataConverter;
  const history = await decodeHistory(await run.fetchHistory(), converter);
  const started = startedAttributes(history);
  const inputPayload = started.input?.payloads?.[0];
  const input = inputPayload ? summarizeInput(converter.payloadConverter.fromPayload(inputPayload)) : undefined;

  const status = description.status.name;
  let timeline = timelineFromHistory(history, converter);
  if (status === 'RUNNING') {
    // The saga's own account is fresher than history, but needs a worker; history is the fallback.
    try {
      const current = await client.withDeadline(Date.now() + STATUS_QUERY_TIMEOUT_MS, () => run.query(statusQuery));
      timeline = timelineFromStatus(current);
    } catch {
      /* no worker answering: keep the history's view */
    }
  }

  const runs: SagaDetail['runs'] = [];
  for await (const info of client.workflow.list({ query: `WorkflowId = '${workflowId.replace(/'/g, '')}'` })) {
    runs.push({ runId: info.runId, status: info.status.name, startTime: info.startTime.toISOString(), closeTime: info.closeTime?.toISOString() });
  }
  runs.sort((a, b) => b.startTime.localeCompare(a.startTime));
  const latest = runs[0]?.runId ?? description.runId;

  const sa = description.typedSearchAttributes;
  const memo = (description.memo ?? {}) as { delivery?: DeliveryMeta; replay?: ReplayMemo };
  const pending = await pendingActivities(description, converter);
  const events = history.events ?? [];
  return {
    workflowId,
    runId: description.runId,
    saga: description.type,
    taskQueue: description.taskQueue,
    status,
    outcome: outcomeOf(status, sa.get(SagaOutcome)),
    startTime: description.startTime.toISOString(),
    closeTime: description.closeTime?.toISOString(),
    historyLength: description.historyLength,
    searchAttributes: { source: sa.get(WebhookSource), eventKey: sa.get(EventKey), eventType: sa.get(EventType), step: sa.get(SagaStep), sagaOutcome: sa.get(SagaOutcome) },
    delivery: memo.delivery,
    replayOf: memo.replay,
    input,
    timeline,
    failure: workflowFailure(history, converter),
    cause: status === 'RUNNING' ? undefined : causeFromCloseEvent(events[events.length - 1], converter),
    pending,
    runs,
    replayable: closedNotCompleted(status) && latest === description.runId,
    temporalUiUrl: temporalUiLink(uiUrl, client.options.namespace, workflowId, description.runId),
  };
}
