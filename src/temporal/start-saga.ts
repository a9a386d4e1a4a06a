import { Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { TypedSearchAttributes, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { EventKey, EventType, WebhookSource } from '../../core/saga/search-attributes';
import type { SagaInput } from '../../core/saga/input';
import { sagaStartDuration } from '../metrics';
import type { SagaInputRef } from '../../core/saga/input';
import { eventKeySearchValue } from '../../core/workflow-id';

export interface StartRequest {
  workflowId: string;
  saga: string;
  /** The event itself, or a reference to it when it was too large (src/intake/durable-intake.ts). */
  input: SagaInput | SagaInputRef;
  taskQueue: string;
}

export type StartResult = { duplicate: false; workflowId: string; runId: string } | { duplicate: true; workflowId: string };

/**
 * Starts a saga for a vendor delivery, or recognises it as a repeat. REJECT_DUPLICATE + FAIL means
 * that no second run starts for an ID whether the first is still running or already closed (within
 * the namespace's retention); Temporal's answer to a repeat is a success for us, not an error.
 */
export async function startSaga(client: Client, req: StartRequest, timeoutMs: number): Promise<StartResult> {
  const start = () =>
    client.workflow.start(req.saga, {
      taskQueue: req.taskQueue,
      workflowId: req.workflowId,
      args: [req.input],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      typedSearchAttributes: new TypedSearchAttributes([
        { key: WebhookSource, value: req.input.meta.source },
        // Bounded whatever the key's length: the full key is in the memo and the input.
        { key: EventKey, value: eventKeySearchValue(req.input.meta.eventKey) },
        { key: EventType, value: req.input.meta.eventType },
      ]),
      memo: { delivery: req.input.meta },
    });
  const timer = sagaStartDuration.startTimer();
  try {
    // A deadline keeps a slow or absent Temporal from holding the vendor's connection open.
    const handle = await client.withDeadline(Date.now() + timeoutMs, start);
    timer({ result: 'started' });
    return { duplicate: false, workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      timer({ result: 'duplicate' });
      return { duplicate: true, workflowId: req.workflowId };
    }
    timer({ result: 'error' });
    throw err;
  }
}
