import type { Client } from '@temporalio/client';
import type { LoadedDataConverter } from '@temporalio/common';
import type { History } from '@temporalio/common/lib/proto-utils';
import { DOWNSTREAM_UNAVAILABLE } from '../../core/saga/attempts';
import { isPermanentFailure } from '../../core/saga/failures';
import { SAGA_FAILED, type FailedStep, type SagaFailureDetails } from '../../core/saga/status';
import { decodeClosingFailure } from './history';

/**
 * Why a closed run did not complete, short enough for a column and stable enough to group by: the
 * step that failed and an error class (`front 422`, `turvo 503 unavailable`, `UnmappedRouteStop`).
 * Read from the run's closing event alone (one history event, newest first), so a list of hundreds of
 * failed sagas costs one small read each, once: a closed run never changes, so answers are cached.
 */

type HistoryEvent = NonNullable<History['events']>[number];
type ProtoFailure = NonNullable<NonNullable<HistoryEvent['workflowExecutionFailedEventAttributes']>['failure']>;

export interface SagaCause {
  /** The step whose failure started the compensation (SagaFailed), when the saga says. */
  failedStep?: string;
  /** The service and HTTP status, or the failure type. */
  errorClass: string;
  /** The innermost failure's type (DownstreamRefused, UnmappedRouteStop, …). */
  failureType?: string;
  /** The error as the saga recorded it. */
  message: string;
  /** No fix downstream cures it: the saga's input can never succeed (core/saga/failures.ts). */
  permanent: boolean;
  /** compensation_failed: the undos that failed, i.e. the effects left in place for manual cleanup. */
  leftUndone: FailedStep[];
}

function innermost(failure: ProtoFailure): ProtoFailure {
  let f = failure;
  while (f.cause) f = f.cause;
  return f;
}

function decodeDetail(failure: ProtoFailure, converter: LoadedDataConverter): Record<string, unknown> {
  const payload = failure.applicationFailureInfo?.details?.payloads?.[0];
  if (!payload) return {};
  const value = converter.payloadConverter.fromPayload<unknown>(payload);
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

/** `front POST /comments answered 422: …` names its service first (also in failures recorded before the service was a detail). */
const SERVICE_IN_MESSAGE = /^([a-z][\w-]*) (?:GET|POST|PUT|PATCH|DELETE) /;

function errorClassOf(root: ProtoFailure, converter: LoadedDataConverter): string {
  const type = root.applicationFailureInfo?.type ?? undefined;
  if (type === 'DownstreamRefused' || type === DOWNSTREAM_UNAVAILABLE) {
    const detail = decodeDetail(root, converter);
    const service = typeof detail.service === 'string' ? detail.service : (SERVICE_IN_MESSAGE.exec(root.message ?? '')?.[1] ?? 'downstream');
    const status = typeof detail.status === 'number' ? String(detail.status) : type === DOWNSTREAM_UNAVAILABLE ? 'unreachable' : '4xx';
    return type === DOWNSTREAM_UNAVAILABLE ? `${service} ${status} unavailable` : `${service} ${status}`;
  }
  if (root.timeoutFailureInfo) return 'activity timeout';
  return type || 'error';
}

/** The cause from a run's closing event; undefined for a run that is open or completed. */
export function causeFromCloseEvent(event: HistoryEvent | undefined, converter: LoadedDataConverter): SagaCause | undefined {
  if (!event) return undefined;
  if (event.workflowExecutionTerminatedEventAttributes) {
    return { errorClass: 'terminated', message: event.workflowExecutionTerminatedEventAttributes.reason || 'terminated', permanent: false, leftUndone: [] };
  }
  if (event.workflowExecutionTimedOutEventAttributes) return { errorClass: 'workflow timeout', message: 'workflow timed out', permanent: false, leftUndone: [] };
  if (event.workflowExecutionCanceledEventAttributes) return { errorClass: 'canceled', message: 'workflow canceled', permanent: false, leftUndone: [] };
  const failure = event.workflowExecutionFailedEventAttributes?.failure;
  if (!failure) return undefined;
  const details = failure.applicationFailureInfo?.type === SAGA_FAILED ? (decodeDetail(failure, converter) as unknown as SagaFailureDetails) : undefined;
  const root = innermost(failure);
  const failureType = root.applicationFailureInfo?.type ?? undefined;
  return {
    failedStep: details?.failedStep,
    errorClass: errorClassOf(root, converter),
    failureType,
    message: details?.error ?? failure.message ?? '',
    permanent: isPermanentFailure(failureType),
    leftUndone: (details?.stepsFailed ?? []).filter((f) => f.phase === 'undo'),
  };
}

const CACHE_MAX = 20_000;
const CONCURRENCY = 16;

/** Causes of closed runs by run ID, read once each (a closed run's history never changes). */
export function causeReader(client: Client) {
  const cache = new Map<string, SagaCause | undefined>();

  async function read(workflowId: string, runId: string): Promise<SagaCause | undefined> {
    if (cache.has(runId)) return cache.get(runId);
    const { history } = await client.workflowService.getWorkflowExecutionHistoryReverse({
      namespace: client.options.namespace,
      execution: { workflowId, runId },
      maximumPageSize: 1,
    });
    const closing = history?.events?.[0] ?? undefined;
    await decodeClosingFailure(closing, client.options.loadedDataConverter);
    const cause = causeFromCloseEvent(closing, client.options.loadedDataConverter);
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
    cache.set(runId, cause);
    return cause;
  }

  return {
    /** The causes of closed runs, a few reads at a time. */
    async many(runs: { workflowId: string; runId: string }[]): Promise<Map<string, SagaCause | undefined>> {
      const out = new Map<string, SagaCause | undefined>();
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(CONCURRENCY, runs.length) }, async () => {
          while (next < runs.length) {
            const run = runs[next++]!;
            out.set(run.runId, await read(run.workflowId, run.runId));
          }
        }),
      );
      return out;
    },
  };
}

export type CauseReader = ReturnType<typeof causeReader>;
