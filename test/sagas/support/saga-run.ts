import { randomUUID } from 'node:crypto';
import { WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { statusQuery, SAGA_FAILED, type SagaFailureDetails, type SagaStatus } from '../../../core/saga/status';
import type { SagaInput } from '../../../core/saga/input';

export interface SagaRun {
  workflowId: string;
  /** `<workflowId>/<firstExecutionRunId>/`: what every idempotency key of this run starts with. */
  keyPrefix: string;
  handle: WorkflowHandle;
  result?: unknown;
  /** The SagaFailed failure's details, when the saga failed. */
  failure?: SagaFailureDetails;
  failureMessage?: string;
  /** Any other way the workflow failed (cancelled, a non-saga failure). */
  error?: WorkflowFailedError;
  status: SagaStatus;
  searchAttributes: Record<string, unknown>;
}

/** Starts a saga, waits for it to end, and collects its result or failure, its timeline and search attributes. */
export async function runToEnd(client: Client, taskQueue: string, workflowType: string, input: SagaInput): Promise<SagaRun> {
  const workflowId = `${input.meta.workflowId}:${randomUUID()}`;
  const handle = await client.workflow.start(workflowType, { taskQueue, workflowId, args: [{ ...input, meta: { ...input.meta, workflowId } }] });
  return collect(handle);
}

export async function collect(handle: WorkflowHandle): Promise<SagaRun> {
  const run: Partial<SagaRun> = { workflowId: handle.workflowId, handle };
  try {
    run.result = await handle.result();
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    const cause = err.cause;
    if (cause instanceof ApplicationFailure && cause.type === SAGA_FAILED) {
      run.failure = cause.details?.[0] as SagaFailureDetails;
      run.failureMessage = cause.message;
    } else {
      run.error = err;
    }
  }
  const description = await handle.describe();
  run.keyPrefix = `${handle.workflowId}/${description.runId}/`;
  run.searchAttributes = description.searchAttributes as Record<string, unknown>;
  run.status = await handle.query(statusQuery);
  return run as SagaRun;
}
