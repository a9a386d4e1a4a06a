import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { AttemptDetail, Reported } from '../../core/saga/attempts';

type AsyncFn = (...args: any[]) => Promise<unknown>;

/** The activities as the workflow sees them: each answers `Reported<result>`. */
export type ReportingActivities<A> = {
  [K in keyof A]: A[K] extends (...args: infer P) => Promise<infer R> ? (...args: P) => Promise<Reported<R>> : never;
};

/**
 * Wraps every activity so that it reports the attempt it ran as: a result becomes `{ value, attempt }`,
 * a failure gets `{ attempt }` as its last detail (type, message, retryability and the other details
 * unchanged). The saga's status timeline reads them; the workflow has no other way to know.
 * Cancellations pass through untouched, so the worker still reports them as such.
 */
export function reportAttempts<A extends Record<string, AsyncFn>>(activities: A): ReportingActivities<A> {
  const wrapped = Object.entries(activities).map(([name, fn]) => [
    name,
    async (...args: unknown[]) => {
      const { info, cancellationSignal } = Context.current();
      try {
        return { value: await fn(...args), attempt: info.attempt };
      } catch (err) {
        if (cancellationSignal.aborted) throw err;
        throw withAttempt(err, info.attempt);
      }
    },
  ]);
  return Object.fromEntries(wrapped) as ReportingActivities<A>;
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

/** Heartbeats when running inside an activity; a no-op elsewhere. */
export function heartbeat(details?: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    /* not in an activity */
  }
}
