/**
 * Idempotency key for a downstream write: one per saga run and step, stable across activity retries
 * and worker restarts, so the downstream API answers a repeat with the first result.
 *
 * `runId` is the workflow's firstExecutionRunId. Without it, an on-call replay (a new run under the
 * same workflow ID, after the first run was compensated) would send the keys of the undone effects
 * and get their stale answers back instead of doing the work again.
 */
export function idempotencyKey(workflowId: string, runId: string, step: string): string {
  return `${workflowId}/${runId}/${step}`;
}

/** The key an undo writes under: derived from its step's key, so a retried undo is a no-op too. */
export function undoKey(stepKey: string): string {
  return `${stepKey}/undo`;
}
