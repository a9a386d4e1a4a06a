import { eventKeySearchValue, searchablePrefix } from '../../core/workflow-id';
import { OpsBadRequestError } from './errors';

/**
 * What the console can find sagas by, and how that becomes a Temporal visibility query. Values are
 * checked against a character set before they are quoted into the query, so a filter can never change
 * the query's shape.
 */

/**
 * The outcomes an engineer filters by. `attention`: sagas whose latest run failed (compensated,
 * compensation_failed, failed otherwise, timed out), the ones somebody has to act on; `failed` is
 * every saga whose latest run closed without completing; `superseded` completed without changing
 * anything, a newer event for its entity being applied already.
 */
export const OUTCOMES = ['attention', 'running', 'completed', 'superseded', 'failed', 'compensated', 'compensation_failed', 'terminated', 'timed_out', 'canceled'] as const;
export type OutcomeFilter = (typeof OUTCOMES)[number];

/**
 * Outcomes decided per saga (workflow ID) by its latest run: a replayed saga leaves its failed run
 * in visibility, so these are found from the failed runs and their workflow IDs' latest runs
 * (src/ops/find.ts). Running and completed runs are always the latest of their workflow ID.
 */
export const SAGA_OUTCOMES: readonly OutcomeFilter[] = ['attention', 'failed', 'compensated', 'compensation_failed', 'terminated', 'timed_out', 'canceled'];

/**
 * The statuses of a run that closed without completing, as the SDK names them and as visibility
 * queries do: the one list of what Temporal lets us start again under the same ID
 * (ALLOW_DUPLICATE_FAILED_ONLY), so what the console calls failed and what it offers to replay.
 */
const CLOSED_NOT_COMPLETED = { FAILED: 'Failed', TERMINATED: 'Terminated', TIMED_OUT: 'TimedOut', CANCELLED: 'Canceled' } as const;

/** True for a run (by its SDK status name, e.g. `TIMED_OUT`) that closed without completing. */
export function closedNotCompleted(status: string): boolean {
  return Object.hasOwn(CLOSED_NOT_COMPLETED, status);
}

const NOT_COMPLETED = `ExecutionStatus IN (${Object.values(CLOSED_NOT_COMPLETED).map((s) => `'${s}'`).join(', ')})`;

const OUTCOME_QUERIES: Record<OutcomeFilter, string> = {
  attention: `ExecutionStatus IN ('Failed', 'TimedOut')`,
  running: `ExecutionStatus = 'Running'`,
  completed: `ExecutionStatus = 'Completed' AND (SagaOutcome IS NULL OR SagaOutcome != 'superseded')`,
  superseded: `ExecutionStatus = 'Completed' AND SagaOutcome = 'superseded'`,
  failed: NOT_COMPLETED,
  compensated: `ExecutionStatus = 'Failed' AND SagaOutcome = 'compensated'`,
  compensation_failed: `ExecutionStatus = 'Failed' AND SagaOutcome = 'compensation_failed'`,
  terminated: `ExecutionStatus = 'Terminated'`,
  timed_out: `ExecutionStatus = 'TimedOut'`,
  canceled: `ExecutionStatus = 'Canceled'`,
};

export interface SagaFilter {
  outcome?: OutcomeFilter;
  source?: string;
  eventType?: string;
  /** An exact event key, or a prefix ending in `*`. */
  eventKey?: string;
  /** Started at or after (ISO-8601). */
  from?: string;
  /** Started before (ISO-8601). */
  to?: string;
  taskQueue?: string;
  /** A cause (src/ops/cause.ts): the step that failed, the error class. */
  failedStep?: string;
  errorClass?: string;
  /** Bulk replay only: also replay permanent failures, terminated and canceled runs. */
  includePermanent?: boolean;
  includeTerminated?: boolean;
}

/** What this deployment's console may see and replay: its task queue and its sources, never other workflows of the namespace. */
export interface Scope {
  taskQueue: string;
  sources: readonly string[];
}

/** Printable, and no quote or backslash: the characters that could break out of a quoted value (filters are checked with it: api-schemas.ts). */
export const SEARCHABLE = /^[^'"\\\p{Cc}]{1,200}$/u;

/** Whether a value can be quoted into a query as it is (else only searched by its key form, or in memory). */
export function quotable(value: string): boolean {
  return SEARCHABLE.test(value);
}

/** A value of our own (the scope, workflow IDs from Temporal) about to be quoted, still checked. */
function text(name: string, value: string): string {
  if (!SEARCHABLE.test(value)) throw new OpsBadRequestError('bad_filter', `${name} has characters the console does not search for`, { field: name });
  return value.trim();
}

/** An event type as its sources spell it, whatever the case it was asked in. */
export function withKnownEventType(filter: SagaFilter, eventTypes: readonly string[]): SagaFilter {
  const lower = filter.eventType?.toLowerCase();
  const known = lower === undefined ? undefined : eventTypes.find((k) => k.toLowerCase() === lower);
  return known ? { ...filter, eventType: known } : filter;
}

/** The conditions that keep a query to this deployment's sagas (every saga carries WebhookSource, set when the receiver starts it). */
export function scopeQuery(scope?: Scope): string {
  if (!scope) return 'WebhookSource IS NOT NULL';
  const sources = scope.sources.length ? `WebhookSource IN (${scope.sources.map((s) => `'${text('source', s)}'`).join(', ')})` : 'WebhookSource IS NOT NULL';
  return `TaskQueue = '${text('taskQueue', scope.taskQueue)}' AND ${sources}`;
}

/** Whether a workflow (its task queue and WebhookSource) belongs to this deployment. */
export function inScope(scope: Scope | undefined, taskQueue: string, source: string | undefined): boolean {
  if (!scope) return source !== undefined;
  return taskQueue === scope.taskQueue && source !== undefined && (scope.sources.length === 0 || scope.sources.includes(source));
}

/** The visibility query for a filter's visibility conditions (a cause is read from each run, not searched). */
export function visibilityQuery(filter: SagaFilter, scope?: Scope, extra: string[] = []): string {
  const parts = [scopeQuery(scope)];
  if (filter.outcome) parts.push(OUTCOME_QUERIES[filter.outcome]);
  if (filter.source) parts.push(`WebhookSource = '${filter.source}'`);
  if (filter.eventType) parts.push(`EventType = '${filter.eventType}'`);
  if (filter.eventKey) {
    const key = filter.eventKey;
    parts.push(key.endsWith('*') && searchablePrefix(key.slice(0, -1)) ? `EventKey STARTS_WITH '${key.slice(0, -1)}'` : `EventKey = '${eventKeySearchValue(key)}'`);
  }
  if (filter.from) parts.push(`StartTime >= '${filter.from}'`);
  if (filter.to) parts.push(`StartTime < '${filter.to}'`);
  if (filter.taskQueue) parts.push(`TaskQueue = '${filter.taskQueue}'`);
  return [...parts, ...extra].join(' AND ');
}

/** Quotes workflow IDs for an `IN (...)` condition; IDs come from Temporal itself, still checked. */
export function idList(ids: string[]): string {
  return ids.map((id) => `'${text('workflowId', id)}'`).join(', ');
}
