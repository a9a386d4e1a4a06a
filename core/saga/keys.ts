/**
 * Idempotency keys for downstream writes: `<workflowId>/<runId>/<step>`, where runId is the run that
 * scheduled the activity (the activity reads it from its own context: sagas/activities/report.ts).
 * - Activity retries and worker restarts repeat the key: the downstream answers with its first result.
 * - A Temporal Reset makes a new run: every step it runs again gets a new key and a fresh effect (the
 *   first run's keys belonged to writes that were undone), while the steps it keeps from history keep
 *   the key recorded with their result, which their undo reverses.
 * - An on-call replay is a new run too, so it does the work again instead of getting back the answers
 *   of the undone writes.
 * (Until reset-safe keys, runId was firstExecutionRunId, which Temporal keeps across Reset: a reset
 * run got cached answers for the writes the first run had undone.)
 */
export function idempotencyKey(workflowId: string, runId: string, step: string): string {
  return `${workflowId}/${runId}/${step}`;
}

/**
 * The key a write activity is given: the wrapper fills it in from a KeyRequest (core/saga/attempts.ts).
 * Branded so the workflow-facing activity types ask for a KeyRequest in its place.
 */
export type IdempotencyKey = string & { readonly __brand: 'IdempotencyKey' };

/**
 * The key an undo writes under: derived from the key of the write it reverses, so a write is
 * reversed once, however many runs (retries, a reset run failing again) try to.
 */
export function undoKey(stepKey: string): string {
  return `${stepKey}/undo`;
}
