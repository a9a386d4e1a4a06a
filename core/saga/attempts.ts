/**
 * What activities tell the saga about themselves. A workflow cannot see activity attempts (Temporal
 * retries activities without waking it) nor the key a write was made under, so every activity is
 * wrapped at the factory (sagas/activities/report.ts): a success answers `{ value, attempt, key? }`,
 * a failure carries `{ attempt }` as its last detail. Workflow-safe: no imports.
 */
export interface Reported<T> {
  value: T;
  /** 1-based attempt that produced the value. */
  attempt: number;
  /**
   * The idempotency key the activity wrote under, when its step asked for one (KeyRequest). It lands
   * in the history with the result, so an undo reverses the write that was actually made, even in a
   * run reset past this step. Absent in histories recorded before keys were reported.
   */
  key?: string;
}

/**
 * What a step passes its activity in place of an idempotency key: the step's name. The activity
 * wrapper turns it into the key from the activity's own execution (workflow ID, the run that
 * scheduled it, step: core/saga/keys.ts), because only the activity knows which run it
 * belongs to; a workflow replaying a reset run would name the new run for steps the old one made.
 */
export interface KeyRequest {
  keyForStep: string;
}

export function isKeyRequest(arg: unknown): arg is KeyRequest {
  return typeof arg === 'object' && arg !== null && typeof (arg as KeyRequest).keyForStep === 'string';
}

export interface AttemptDetail {
  attempt: number;
}

export function isAttemptDetail(detail: unknown): detail is AttemptDetail {
  return typeof detail === 'object' && detail !== null && typeof (detail as AttemptDetail).attempt === 'number';
}

/** The attempt recorded in a failure's details, if an activity wrapper put one there. */
export function attemptFromDetails(details: readonly unknown[] | undefined | null): number | undefined {
  const found = [...(details ?? [])].reverse().find(isAttemptDetail);
  return found?.attempt;
}

/**
 * Failure type of a downstream that did not answer usefully (5xx, 408, 409, 429, network, timeout).
 * Retryable while its outage horizon lasts (sagas/clients/http.ts); non-retryable once it has passed,
 * and then, unlike a refusal, it proves nothing about whether the last attempt made its effect.
 */
export const DOWNSTREAM_UNAVAILABLE = 'DownstreamUnavailable';

/** A step (or undo) whose downstream is unavailable, as the activity reports it after each failed attempt. */
export interface Waiting {
  service: string;
  /** The attempt that just failed; the next try is attempt + 1. */
  attempt: number;
  /** ISO time of the next try. */
  nextTryAt: string;
  lastError: string;
}

/** Signal an activity sends its workflow after a failed attempt, so the saga's `status` shows the wait. */
export const WAITING_SIGNAL = 'stepWaiting';
