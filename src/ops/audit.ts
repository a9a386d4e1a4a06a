import type { Redis } from 'ioredis';
import type { Logger } from '../logger';

/**
 * Every replay and dead-letter re-queue, written twice: to the logs (shipped and kept with the rest) and to a capped Redis
 * stream the console and the CLI read back. Who is the token's `sub`, never the token.
 */
export interface AuditEntry {
  at: string;
  actor: string;
  action: 'replay' | 'bulk_replay_started' | 'bulk_replay_resumed' | 'bulk_replay_finished' | 'requeue' | 'bulk_requeue';
  /** The workflows concerned (one for a replay; bulk entries name the job instead). */
  workflowIds?: string[];
  jobId?: string;
  /** The dead letter a re-queue took (src/ops/dead-letters.ts). */
  deadLetterId?: string;
  /** requeued | refused:gone for a re-queue; replayed | refused:<reason> | error:<message> for a replay; counts for a bulk job. */
  outcome: string;
  runId?: string;
  previousRunId?: string;
  filter?: Record<string, unknown>;
  counts?: Record<string, number>;
}

/** Enough for weeks of on-call; older entries live on in the logs. */
const STREAM_MAX_LENGTH = 10_000;

export interface AuditLog {
  record(entry: Omit<AuditEntry, 'at'>): Promise<void>;
  recent(limit: number): Promise<AuditEntry[]>;
}

export function redisAuditLog(redis: Redis, logger: Logger, stream: string): AuditLog {
  return {
    async record(partial) {
      const entry: AuditEntry = { at: new Date().toISOString(), ...partial };
      logger.info('ops audit', { audit: entry });
      try {
        await redis.xadd(stream, 'MAXLEN', '~', String(STREAM_MAX_LENGTH), '*', 'entry', JSON.stringify(entry));
      } catch (err) {
        // The replay already happened; losing the Redis copy must not hide that, the log line has it.
        logger.error('ops audit not written to redis', { error: (err as Error).message, stream });
      }
    },
    async recent(limit) {
      const rows = await redis.xrevrange(stream, '+', '-', 'COUNT', String(limit));
      return rows.flatMap(([, fields]) => {
        const i = fields.indexOf('entry');
        try {
          return i >= 0 ? [JSON.parse(fields[i + 1]!) as AuditEntry] : [];
        } catch {
          return [];
        }
      });
    },
  };
}
