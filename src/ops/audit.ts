import type { Redis } from 'ioredis';
import type { Logger } from '../logger';

/**
 * Every replay, dead-letter re-queue and re-processed refused request, written twice: to the logs (shipped and kept with the rest) and to a capped Redis
 * stream the console and the CLI read back. Who is the token's `sub`, never the token.
 */
export interface AuditEntry {
  at: string;
  actor: string;
  action: 'replay' | 'bulk_replay_started' | 'bulk_replay_refused' | 'bulk_replay_resumed' | 'bulk_replay_finished' | 'requeue' | 'bulk_requeue' | 'reprocess' | 'bulk_reprocess';
  /** The workflows concerned (one for a replay; bulk entries name the job instead). */
  workflowIds?: string[];
  jobId?: string;
  /** The dead letter a re-queue took (src/ops/dead-letters.ts). */
  deadLetterId?: string;
  /** The refused request a re-process took (src/ops/refused.ts). */
  refusedId?: string;
  /** started | queued | duplicate | answered | unrouted:<why> | refused:<reason> | not_reprocessable:<why> | refused:gone for a re-process; requeued | refused:gone for a re-queue; replayed | refused:<reason> | error:<message> for a replay; refused:forbidden for a caller without the operator role; counts for a bulk job. */
  outcome: string;
  runId?: string;
  previousRunId?: string;
  filter?: Record<string, unknown>;
  counts?: Record<string, number>;
}

/** Enough for weeks of on-call; older entries live on in the logs. */
const STREAM_MAX_LENGTH = 10_000;

/** Narrows the audit log: by who, by a workflow ID, by action (exact). */
export interface AuditFilter {
  actor?: string;
  workflowId?: string;
  action?: string;
}

export interface AuditPage {
  /** Newest first, each with its stream id. */
  entries: (AuditEntry & { id: string })[];
  /** Pass back as `before` for the next (older) page; absent at the oldest entry. */
  next?: string;
}

/** How many entries one page looks through at most for a narrow filter. */
const SCAN_MAX = 5000;
const SCAN_CHUNK = 200;

export interface AuditLog {
  record(entry: Omit<AuditEntry, 'at'>): Promise<void>;
  page(limit: number, options?: { before?: string; filter?: AuditFilter }): Promise<AuditPage>;
}

function matches(entry: AuditEntry, filter: AuditFilter): boolean {
  if (filter.actor && entry.actor !== filter.actor) return false;
  if (filter.action && entry.action !== filter.action) return false;
  if (filter.workflowId && !(entry.workflowIds ?? []).includes(filter.workflowId)) return false;
  return true;
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
    async page(limit, { before, filter = {} } = {}) {
      const entries: AuditPage['entries'] = [];
      let end = before ? `(${before}` : '+';
      let scanned = 0;
      while (entries.length < limit && scanned < SCAN_MAX) {
        const rows = await redis.xrevrange(stream, end, '-', 'COUNT', String(SCAN_CHUNK));
        for (const [id, fields] of rows) {
          scanned++;
          end = `(${id}`;
          const i = fields.indexOf('entry');
          let entry: AuditEntry | undefined;
          try {
            entry = i >= 0 ? (JSON.parse(fields[i + 1]!) as AuditEntry) : undefined;
          } catch {
            entry = undefined;
          }
          if (entry && matches(entry, filter)) entries.push({ ...entry, id });
          if (entries.length === limit) return { entries, next: id };
        }
        if (rows.length < SCAN_CHUNK) return { entries };
      }
      return { entries, next: end.slice(1) };
    },
  };
}
