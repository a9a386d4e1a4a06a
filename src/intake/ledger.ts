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
  /** True when this process remembers the ID without asking the store (an in-memory copy). */
  remembers?(workflowId: string): boolean;
}

/**
 * The most recent accepted workflow IDs, held in process memory in front of another ledger: vendors
 * send repeats in bursts, and a hit here costs no Redis round trip. Safe for the same reason the
 * ledger is: only IDs Temporal accepted are recorded, and an accepted ID stays a duplicate. Entries
 * expire with the ledger's TTL; the least recently used is dropped past `max`.
 */
export function memoryCachedLedger(inner: DedupLedger, options: { max: number; ttlSeconds: number }): DedupLedger {
  if (options.max <= 0) return inner;
  const seen = new Map<string, { runId: string; at: number }>();
  const remember = (workflowId: string, runId: string) => {
    seen.delete(workflowId);
    seen.set(workflowId, { runId, at: Date.now() });
    if (seen.size > options.max) seen.delete(seen.keys().next().value!);
  };
  const recall = (workflowId: string) => {
    const hit = seen.get(workflowId);
    if (!hit || Date.now() - hit.at >= options.ttlSeconds * 1000) return undefined;
    seen.delete(workflowId); // most recently used last: eviction takes the least recently used
    seen.set(workflowId, hit);
    return hit.runId;
  };
  return {
    remembers: (workflowId) => recall(workflowId) !== undefined,
    async find(workflowId) {
      const remembered = recall(workflowId);
      if (remembered !== undefined) return remembered;
      const runId = await inner.find(workflowId);
      if (runId !== undefined) remember(workflowId, runId);
      return runId;
    },
    async record(workflowId, runId) {
      if (runId !== UNKNOWN_RUN || !seen.has(workflowId)) remember(workflowId, runId);
      await inner.record(workflowId, runId);
    },
  };
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
