import type { Redis } from 'ioredis';
import { redisKeys } from './redis';

/** Stored when Temporal said "already started" without telling which run. */
export const UNKNOWN_RUN = 'unknown';

/**
 * Which workflow IDs Temporal has accepted, kept longer than Temporal keeps closed runs. A hit
 * answers a redelivery as a duplicate without a Temporal round trip, and still does after the
 * run left Temporal's retention. A miss proves nothing: the caller then asks Temporal, whose
 * workflow-ID check is what makes concurrent first deliveries safe.
 */
export interface DedupLedger {
  /** The run id recorded for a workflow ID (or UNKNOWN_RUN), undefined when none. Throws when the store is down. */
  find(workflowId: string): Promise<string | undefined>;
  /** Records an ID Temporal accepted. Only ever called after Temporal accepted it. */
  record(workflowId: string, runId: string): Promise<void>;
}

export function redisLedger(redis: Redis, options: { prefix: string; ttlSeconds: number }): DedupLedger {
  const keys = redisKeys(options.prefix);
  return {
    async find(workflowId) {
      return (await redis.get(keys.ledger(workflowId))) ?? undefined;
    },
    async record(workflowId, runId) {
      // "Already started" must not overwrite the run id recorded by whoever started it.
      if (runId === UNKNOWN_RUN) await redis.set(keys.ledger(workflowId), runId, 'EX', options.ttlSeconds, 'NX');
      else await redis.set(keys.ledger(workflowId), runId, 'EX', options.ttlSeconds);
    },
  };
}
