import { randomUUID } from 'node:crypto';
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy, encodeWorkflowIdConflictPolicy, encodeWorkflowIdReusePolicy } from '@temporalio/common';
import { encodeToPayload } from '@temporalio/common/lib/internal-non-workflow';
import type { Redis } from 'ioredis';
import { grpcCode, grpcStatusName } from '../intake/temporal';
import type { Logger } from '../logger';
import { OpsConflictError } from './errors';
import type { Scope } from './filters';
import { describeSaga } from './find';
import type { ReplayMemo } from './inspect';

/**
 * Replaying a saga: a new run under the same workflow ID with the failed run's original input, task
 * queue, search attributes and memo. A given run is replayed at most once, however many operators,
 * bulk jobs and receivers ask at the same moment:
 *
 * - Temporal decides. The start carries a request ID derived from the replayed run's ID, so every
 *   start of "the replay of run R" is the same request to Temporal, which creates one run and answers
 *   the others with that run (request-ID dedup, still after that run closed). The response does not
 *   say whether this call created it, so each request puts a ticket of its own in the new run's memo,
 *   and whoever finds its ticket on the run is the winner; the others are refused with its run ID.
 *   This cannot be lost with a receiver or with Redis.
 * - A Redis guard per replayed run (SET NX, with the winner's run once known) answers a late request
 *   at once, and closes the one gap request-ID dedup leaves: a request so slow that, between its look
 *   and its start, the replay of R ran, failed and was itself replayed (the current run then no longer
 *   carries R's request ID). With Redis unavailable the guard is skipped and Temporal still decides.
 * - ALLOW_DUPLICATE_FAILED_ONLY and FAIL keep Temporal refusing a run after a completed one or beside
 *   a running one.
 */
export interface ReplayResult {
  workflowId: string;
  runId: string;
  previousRunId: string;
}

export type RefusalReason = 'completed' | 'running' | 'already_replayed';

const REFUSALS: Record<RefusalReason, string> = {
  completed: 'the saga completed',
  running: 'the saga is running',
  already_replayed: 'this run was already replayed',
};

export class ReplayRefusedError extends OpsConflictError {
  constructor(
    readonly workflowId: string,
    readonly refusal: RefusalReason,
    /** The run that stands in the way: the running or completed one, or the replay that won. */
    readonly runId: string,
  ) {
    super(`replay_refused_${refusal}`, `${workflowId}: ${REFUSALS[refusal]}`, { workflowId, refusal, runId });
  }
}

/** Long enough to cover any request in flight and the replay's own run; afterwards history says it. */
const GUARD_TTL_SECONDS = 24 * 3600;

interface GuardEntry {
  ticket: string;
  runId?: string;
}

export interface ReplayGuard {
  /** Claims the replay of `runId` for `ticket`; answers the entry already there when someone else holds it. */
  claim(workflowId: string, runId: string, ticket: string): Promise<GuardEntry | undefined>;
  /** Notes the winner's new run, so later requests are refused without asking Temporal. */
  won(workflowId: string, runId: string, entry: Required<GuardEntry>): Promise<void>;
}

/** `key`: the guard's Redis key for a replayed run (under the deployment's key prefix). */
export function redisReplayGuard(redis: Redis, key: (workflowId: string, runId: string) => string, logger: Logger): ReplayGuard {
  return {
    async claim(workflowId, runId, ticket) {
      try {
        const set = await redis.set(key(workflowId, runId), JSON.stringify({ ticket }), 'EX', GUARD_TTL_SECONDS, 'NX');
        if (set) return undefined;
        const raw = await redis.get(key(workflowId, runId));
        const entry = raw ? (JSON.parse(raw) as GuardEntry) : undefined;
        return entry && entry.ticket !== ticket ? entry : undefined;
      } catch (err) {
        logger.warn('replay guard unavailable: Temporal alone decides', { workflowId, error: (err as Error).message });
        return undefined;
      }
    },
    async won(workflowId, runId, entry) {
      await redis.set(key(workflowId, runId), JSON.stringify(entry), 'EX', GUARD_TTL_SECONDS).catch((err: Error) => {
        logger.warn('replay guard not updated', { workflowId, error: err.message });
      });
    },
  };
}

export interface ReplayOptions {
  by: string;
  /** The run the operator looked at: refused if it is no longer the latest. */
  expectedRunId?: string;
  /** Who is asking: unique per request; a bulk job uses one per job, so that resuming it finds its own replays. */
  ticket?: string;
  guard?: ReplayGuard;
  /** This deployment's sagas: any other workflow of the namespace is not found. */
  scope?: Scope;
}

function refuseUnlessFailed(workflowId: string, description: WorkflowExecutionDescription): void {
  const status = description.status.name;
  if (status === 'RUNNING') throw new ReplayRefusedError(workflowId, 'running', description.runId);
  if (status === 'COMPLETED' || status === 'CONTINUED_AS_NEW') throw new ReplayRefusedError(workflowId, 'completed', description.runId);
}

export async function replaySaga(client: Client, workflowId: string, options: ReplayOptions): Promise<ReplayResult> {
  const { by, expectedRunId, guard, scope } = options;
  const ticket = options.ticket ?? randomUUID();
  const description = await describeSaga(client, workflowId, scope);
  // A bulk job resumed after an interruption: the latest run may be the replay it made before.
  const latestReplay = description.memo?.replay as ReplayMemo | undefined;
  if (options.ticket && latestReplay?.ticket === ticket && latestReplay.previousRunId === expectedRunId) {
    return { workflowId, runId: description.runId, previousRunId: latestReplay.previousRunId };
  }
  refuseUnlessFailed(workflowId, description);
  const previousRunId = description.runId;
  // The engineer looked at one run; if someone replayed it since, do not replay again.
  if (expectedRunId && expectedRunId !== previousRunId) throw new ReplayRefusedError(workflowId, 'already_replayed', previousRunId);

  const holder = await guard?.claim(workflowId, previousRunId, ticket);
  // Someone else's replay already has its run: nothing to ask Temporal. Still in flight: Temporal decides.
  if (holder?.runId) throw new ReplayRefusedError(workflowId, 'already_replayed', holder.runId);

  // Only the first event is needed: the run's input, task queue, memo and search attributes, passed on as they were.
  const { namespace } = client.options;
  const page = await client.workflowService.getWorkflowExecutionHistory({ namespace, execution: { workflowId, runId: previousRunId }, maximumPageSize: 1 });
  const started = page.history?.events?.[0]?.workflowExecutionStartedEventAttributes;
  if (!started) throw new Error(`${workflowId}: history does not begin with WorkflowExecutionStarted`);
  const replay: ReplayMemo = { previousRunId, by, at: new Date().toISOString(), ticket };

  let runId: string;
  try {
    const response = await client.workflowService.startWorkflowExecution({
      namespace,
      identity: client.options.identity,
      requestId: `replay-of:${previousRunId}`,
      workflowId,
      workflowType: { name: description.type },
      taskQueue: { name: started.taskQueue?.name ?? description.taskQueue },
      input: started.input,
      searchAttributes: started.searchAttributes,
      memo: { fields: { ...(started.memo?.fields ?? {}), replay: await encodeToPayload(client.options.loadedDataConverter, replay) } },
      workflowIdReusePolicy: encodeWorkflowIdReusePolicy(WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY),
      workflowIdConflictPolicy: encodeWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.FAIL),
    });
    runId = response.runId;
  } catch (err) {
    const code = grpcCode(err);
    // ALREADY_EXISTS: the workflow-ID policies refused the start.
    if (code === undefined || grpcStatusName(code) !== 'ALREADY_EXISTS') throw err;
    // Between our look and our start a run of another request began (or completed): say which.
    const now = await describeSaga(client, workflowId, scope);
    refuseUnlessFailed(workflowId, now);
    throw new ReplayRefusedError(workflowId, 'already_replayed', now.runId);
  }

  // The run Temporal answered with is the replay of previousRunId; it is ours if it carries our ticket.
  const created = await client.workflow.getHandle(workflowId, runId).describe();
  if ((created.memo?.replay as ReplayMemo | undefined)?.ticket !== ticket) throw new ReplayRefusedError(workflowId, 'already_replayed', runId);
  await guard?.won(workflowId, previousRunId, { ticket, runId });
  return { workflowId, runId, previousRunId };
}
