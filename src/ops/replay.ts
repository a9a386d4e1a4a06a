import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { TypedSearchAttributes, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { EventKey, EventType, WebhookSource } from '../../core/saga/search-attributes';
import { OpsConflictError, OpsNotFoundError } from './errors';
import type { ReplayMemo } from './inspect';

/**
 * Replaying a saga: a new run under the same workflow ID with the failed run's original input, task
 * queue, search attributes and memo. Temporal itself guarantees the rule that matters:
 * ALLOW_DUPLICATE_FAILED_ONLY refuses to start after a completed run, and FAIL refuses while one
 * runs, so two operators (or a bulk job and an operator) can never start a second live run.
 */
export interface ReplayResult {
  workflowId: string;
  runId: string;
  previousRunId: string;
}

export type RefusalReason = 'completed' | 'running' | 'already_replayed';

export class ReplayRefusedError extends OpsConflictError {
  constructor(
    readonly workflowId: string,
    readonly refusal: RefusalReason,
  ) {
    super(`replay_refused_${refusal}`, `${workflowId}: ${refusal === 'completed' ? 'the saga completed' : refusal === 'running' ? 'the saga is running' : 'a newer run exists'}`, {
      workflowId,
      refusal,
    });
  }
}

export async function replaySaga(client: Client, workflowId: string, by: string, expectedRunId?: string): Promise<ReplayResult> {
  const latest = client.workflow.getHandle(workflowId);
  let description;
  try {
    description = await latest.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new OpsNotFoundError('saga_not_found', `no saga ${workflowId}`);
    throw err;
  }
  const status = description.status.name;
  if (status === 'RUNNING') throw new ReplayRefusedError(workflowId, 'running');
  if (status === 'COMPLETED' || status === 'CONTINUED_AS_NEW') throw new ReplayRefusedError(workflowId, 'completed');
  // The engineer looked at one run; if someone replayed it since, do not replay again.
  if (expectedRunId && expectedRunId !== description.runId) throw new ReplayRefusedError(workflowId, 'already_replayed');

  // Only the first event is needed: the run's input, type and task queue.
  const page = await client.workflowService.getWorkflowExecutionHistory({
    namespace: client.options.namespace,
    execution: { workflowId, runId: description.runId },
    maximumPageSize: 1,
  });
  const started = page.history?.events?.[0]?.workflowExecutionStartedEventAttributes;
  if (!started) throw new Error(`${workflowId}: history does not begin with WorkflowExecutionStarted`);
  const converter = client.options.loadedDataConverter.payloadConverter;
  const args = (started.input?.payloads ?? []).map((p) => converter.fromPayload(p));

  const sa = description.typedSearchAttributes;
  const pairs = [
    { key: WebhookSource, value: sa.get(WebhookSource) },
    { key: EventKey, value: sa.get(EventKey) },
    { key: EventType, value: sa.get(EventType) },
  ].filter((p): p is { key: typeof WebhookSource; value: string } => p.value !== undefined);
  const replay: ReplayMemo = { previousRunId: description.runId, by, at: new Date().toISOString() };
  try {
    const handle = await client.workflow.start(description.type, {
      workflowId,
      taskQueue: started.taskQueue?.name ?? description.taskQueue,
      args,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      typedSearchAttributes: new TypedSearchAttributes(pairs),
      memo: { ...(description.memo ?? {}), replay },
    });
    return { workflowId, runId: handle.firstExecutionRunId, previousRunId: description.runId };
  } catch (err) {
    // Someone else replayed it (or it completed) between our look and our start.
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw new ReplayRefusedError(workflowId, 'already_replayed');
    throw err;
  }
}
