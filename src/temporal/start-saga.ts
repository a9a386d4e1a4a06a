import { Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { TypedSearchAttributes, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { EventKey, EventType, WebhookSource } from '../../core/saga/search-attributes';
import type { SagaInput } from '../../core/saga/input';
import { sagaStartDuration } from '../metrics';
import type { SagaInputRef } from '../../core/saga/input';
import { eventKeySearchValue } from '../../core/workflow-id';
import { grpcCode } from '../intake/temporal';

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
  const deadline = Date.now() + timeoutMs;
  try {
    // A deadline keeps a slow or absent Temporal from holding the vendor's connection open.
    const handle = await startRetryingBusy(client, deadline, start);
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

/** gRPC RESOURCE_EXHAUSTED: Temporal is shedding load, e.g. "Workflow is busy" while concurrent starts of one ID hold its lock. */
const RESOURCE_EXHAUSTED = 8;

/**
 * Concurrent first deliveries of one event race for its workflow ID, and Temporal answers some of
 * them RESOURCE_EXHAUSTED ("Workflow is busy") instead of AlreadyStarted. The receiver's connection
 * has no retry interceptor (a Temporal that is down must not eat the budget), so this one transient
 * answer is retried here, briefly and within the same deadline; without it a repeat could be
 * answered 503 (Redis down) or queued although Temporal was up.
 */
async function startRetryingBusy<T>(client: Client, deadline: number, start: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await client.withDeadline(deadline, start);
    } catch (err) {
      const pause = Math.min(200, 20 * 2 ** attempt) * (0.5 + Math.random() / 2);
      if (grpcCode(err) !== RESOURCE_EXHAUSTED || Date.now() + pause >= deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}
