/**
 * How activities tell the saga which attempt they were on. A workflow cannot see activity attempts
 * (Temporal retries activities without waking it), so every activity is wrapped at the factory
 * (sagas/activities/report.ts): a success answers `{ value, attempt }`, a failure carries
 * `{ attempt }` as its last detail. Workflow-safe: no imports.
 */
export interface Reported<T> {
  value: T;
  /** 1-based attempt that produced the value. */
  attempt: number;
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
