/** Idempotency key for a downstream write: one per workflow and step, stable across retries and re-runs. */
export function idempotencyKey(workflowId: string, step: string): string {
  return `${workflowId}/${step}`;
}
