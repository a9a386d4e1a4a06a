import { Context, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { DOWNSTREAM_UNAVAILABLE, isKeyRequest, WAITING_SIGNAL, type AttemptDetail, type KeyRequest, type Reported, type Waiting } from '../../core/saga/attempts';
import { idempotencyKey, type IdempotencyKey } from '../../core/saga/keys';

/** Any async function: parameters are `never` so that every activity's signature is assignable. */
type AsyncFn = (...args: never[]) => Promise<unknown>;

/** A write activity's key parameter as the workflow passes it: a KeyRequest, filled in by the wrapper. */
type WorkflowArgs<P extends unknown[]> = { [I in keyof P]: P[I] extends IdempotencyKey ? KeyRequest : P[I] };

/** The activities as the workflow sees them: each answers `Reported<result>`. */
export type ReportingActivities<A> = {
  [K in keyof A]: A[K] extends (...args: infer P) => Promise<infer R> ? (...args: WorkflowArgs<P>) => Promise<Reported<R>> : never;
};

/** How long an activity waits for its "waiting" signal to reach the workflow: it is a courtesy, never a reason to fail. */
const WAITING_SIGNAL_TIMEOUT_MS = 2_000;

/**
 * Wraps every activity so that it reports what the workflow cannot see:
 * - the attempt it ran as: a result becomes `{ value, attempt }`, a failure gets `{ attempt }` as its
 *   last detail (type, message, retryability and the other details unchanged);
 * - the key it wrote under: a KeyRequest argument is replaced by the idempotency key made from this
 *   activity's own execution, and the key comes back with the result (`{ …, key }`);
 * - a downstream outage: after a retryable DownstreamUnavailable failure it signals its workflow
 *   (`stepWaiting`: service, attempt, next try, error), so the saga's `status` shows the wait.
 * Cancellations pass through untouched, so the worker still reports them as such.
 */
export function reportAttempts<A extends Record<string, AsyncFn>>(activities: A): ReportingActivities<A> {
  const wrapped = Object.entries(activities).map(([name, fn]) => [
    name,
    async (...args: unknown[]) => {
      const { info, cancellationSignal } = Context.current();
      const key = fillKey(args);
      try {
        return { value: await (fn as (...a: unknown[]) => Promise<unknown>)(...args), attempt: info.attempt, ...(key ? { key } : {}) };
      } catch (err) {
        if (cancellationSignal.aborted) throw err;
        const failure = withAttempt(err, info.attempt);
        if (failure.type === DOWNSTREAM_UNAVAILABLE && !failure.nonRetryable) await reportWaiting(failure, info.attempt);
        throw failure;
      }
    },
  ]);
  return Object.fromEntries(wrapped) as ReportingActivities<A>;
}

/**
 * Replaces a KeyRequest argument with the key of this write. The run is the one that scheduled this
 * activity (Temporal's own record of it), not the workflow's idea of the current run: that is what
 * keeps a key stable across retries and worker restarts, and new in a reset or replayed run.
 */
function fillKey(args: unknown[]): string | undefined {
  const index = args.findIndex(isKeyRequest);
  if (index < 0) return undefined;
  const execution = Context.current().info.workflowExecution;
  if (!execution) throw ApplicationFailure.nonRetryable('a write activity needs a workflow to key its effect by', 'NoWorkflowExecution');
  const key = idempotencyKey(execution.workflowId, execution.runId, (args[index] as KeyRequest).keyForStep);
  args[index] = key;
  return key;
}

async function reportWaiting(failure: ApplicationFailure, attempt: number): Promise<void> {
  const { service, nextTryAt } = (failure.details?.[0] ?? {}) as Partial<Waiting>;
  if (!service || !nextTryAt) return;
  const { info, client } = Context.current();
  if (!info.workflowExecution) return;
  const waiting: Waiting = { service, attempt, nextTryAt, lastError: failure.message };
  try {
    const handle = client.workflow.getHandle(info.workflowExecution.workflowId, info.workflowExecution.runId);
    await Promise.race([handle.signal(WAITING_SIGNAL, waiting), new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), WAITING_SIGNAL_TIMEOUT_MS).unref())]);
  } catch (err) {
    log.warn('could not tell the saga it is waiting', { service, attempt, error: (err as Error).message });
  }
}

function withAttempt(err: unknown, attempt: number): ApplicationFailure {
  const detail: AttemptDetail = { attempt };
  if (err instanceof ApplicationFailure) {
    return ApplicationFailure.create({
      message: err.message,
      type: err.type ?? undefined,
      nonRetryable: err.nonRetryable ?? false,
      details: [...(err.details ?? []), detail],
      nextRetryDelay: err.nextRetryDelay ?? undefined,
      category: err.category ?? undefined,
      cause: err.cause,
    });
  }
  const error = err instanceof Error ? err : new Error(String(err));
  // A plain error is transient trouble: it stays retryable, as Temporal would have treated it.
  return ApplicationFailure.create({ message: error.message, type: error.name, nonRetryable: false, details: [detail], cause: error.cause instanceof Error ? error.cause : undefined });
}

/** The running activity's cancellation signal, or none outside an activity (scripts, tests of clients). */
export function activitySignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}

/** The running activity's attempt and first scheduling time (its outage horizon starts then); none outside an activity. */
export function activityAttempt(): { attempt: number; firstScheduledMs: number } | undefined {
  try {
    const { info } = Context.current();
    return { attempt: info.attempt, firstScheduledMs: info.scheduledTimestampMs };
  } catch {
    return undefined;
  }
}

/** Heartbeats when running inside an activity; a no-op elsewhere. */
export function heartbeat(details?: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    /* not in an activity */
  }
}
