import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger';
import type { AuditLog } from './audit';
import { OpsBadRequestError, OpsConflictError } from './errors';
import { REPLAYABLE_OUTCOMES, type SagaFilter } from './filters';
import { listAll, type SagaRow } from './find';
import { ReplayRefusedError, replaySaga } from './replay';

/**
 * Bulk replay: a dry run lists what a filter would replay; the real run must echo the dry run's
 * count (so nobody replays 4,000 sagas thinking it was 40), then replays with limited concurrency.
 * Progress lives in Redis, so any receiver replica can answer the page's polling.
 */

export interface BulkPreview {
  filter: SagaFilter;
  /** Workflows that would be replayed: pass this back as `expect` to confirm. */
  count: number;
  /** Failed runs skipped because they were already replayed. */
  alreadyReplayed: number;
  /** More matched than OPS_REPLAY_MAX: narrow the filter. */
  truncated: boolean;
  items: Pick<SagaRow, 'workflowId' | 'runId' | 'outcome' | 'source' | 'eventType' | 'step' | 'startTime'>[];
}

export type ItemResult = { workflowId: string; result: 'replayed'; runId: string } | { workflowId: string; result: 'refused' | 'error'; reason: string };

export interface ReplayJob {
  id: string;
  actor: string;
  filter: SagaFilter;
  state: 'running' | 'done';
  total: number;
  replayed: number;
  refused: number;
  errors: number;
  startedAt: string;
  finishedAt?: string;
  results: ItemResult[];
}

const PREVIEW_ITEMS = 100;
const JOB_TTL_SECONDS = 7 * 24 * 3600;

function replayFilter(filter: SagaFilter): SagaFilter {
  const outcome = filter.outcome ?? 'failed';
  if (!REPLAYABLE_OUTCOMES.includes(outcome)) {
    throw new OpsBadRequestError('bad_filter', `bulk replay takes an outcome among ${REPLAYABLE_OUTCOMES.join(', ')}`, { field: 'outcome' });
  }
  return { ...filter, outcome };
}

export interface BulkReplayDeps {
  client: Client;
  redis: Redis;
  /** Where a job's progress is kept (under the deployment's key prefix), by job ID. */
  jobKey: (id: string) => string;
  audit: AuditLog;
  logger: Logger;
  concurrency: number;
  maxBulk: number;
}

export function bulkReplays({ client, redis, jobKey: key, audit, logger, concurrency, maxBulk }: BulkReplayDeps) {
  async function candidates(filter: SagaFilter): Promise<{ rows: SagaRow[]; alreadyReplayed: number; truncated: boolean }> {
    const { items, truncated } = await listAll(client, filter, maxBulk * 2);
    const rows = new Map<string, SagaRow>();
    let alreadyReplayed = 0;
    for (const row of items) {
      if (!row.replayable) alreadyReplayed++;
      else if (!rows.has(row.workflowId)) rows.set(row.workflowId, row);
    }
    const list = [...rows.values()];
    return { rows: list.slice(0, maxBulk), alreadyReplayed, truncated: truncated || list.length > maxBulk };
  }

  async function save(job: ReplayJob): Promise<void> {
    await redis.set(key(job.id), JSON.stringify(job), 'EX', JOB_TTL_SECONDS);
  }

  async function run(job: ReplayJob, rows: SagaRow[]): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < rows.length) {
        const row = rows[next++]!;
        let result: ItemResult;
        try {
          const replay = await replaySaga(client, row.workflowId, job.actor, row.runId);
          result = { workflowId: row.workflowId, result: 'replayed', runId: replay.runId };
          job.replayed++;
        } catch (err) {
          const refused = err instanceof ReplayRefusedError;
          result = { workflowId: row.workflowId, result: refused ? 'refused' : 'error', reason: refused ? err.refusal : (err as Error).message };
          if (refused) job.refused++;
          else job.errors++;
        }
        job.results.push(result);
        await audit.record({
          actor: job.actor,
          action: 'replay',
          jobId: job.id,
          workflowIds: [row.workflowId],
          previousRunId: row.runId,
          runId: result.result === 'replayed' ? result.runId : undefined,
          outcome: result.result === 'replayed' ? 'replayed' : `${result.result}:${result.reason}`,
        });
        await save(job);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, rows.length) }, worker));
    job.state = 'done';
    job.finishedAt = new Date().toISOString();
    await save(job);
    await audit.record({
      actor: job.actor,
      action: 'bulk_replay_finished',
      jobId: job.id,
      outcome: job.errors ? 'finished_with_errors' : 'finished',
      counts: { total: job.total, replayed: job.replayed, refused: job.refused, errors: job.errors },
    });
  }

  return {
    async preview(filter: SagaFilter): Promise<BulkPreview> {
      const effective = replayFilter(filter);
      const { rows, alreadyReplayed, truncated } = await candidates(effective);
      return {
        filter: effective,
        count: rows.length,
        alreadyReplayed,
        truncated,
        items: rows.slice(0, PREVIEW_ITEMS).map(({ workflowId, runId, outcome, source, eventType, step, startTime }) => ({
          workflowId,
          runId,
          outcome,
          source,
          eventType,
          step,
          startTime,
        })),
      };
    },

    /** Starts a job in the background; `expect` must equal what the dry run counted right now. */
    async start(actor: string, filter: SagaFilter, expect: number): Promise<ReplayJob> {
      const effective = replayFilter(filter);
      const { rows, truncated } = await candidates(effective);
      if (truncated) throw new OpsBadRequestError('too_many', `more than ${maxBulk} sagas match: narrow the filter`, { max: maxBulk });
      if (rows.length !== expect) {
        throw new OpsConflictError('count_changed', `the filter now matches ${rows.length} sagas, not ${expect}: look again`, { count: rows.length });
      }
      const job: ReplayJob = {
        id: randomUUID(),
        actor,
        filter: effective,
        state: 'running',
        total: rows.length,
        replayed: 0,
        refused: 0,
        errors: 0,
        startedAt: new Date().toISOString(),
        results: [],
      };
      await save(job);
      await audit.record({ actor, action: 'bulk_replay_started', jobId: job.id, outcome: 'started', filter: { ...effective }, counts: { total: job.total } });
      run(job, rows).catch((err) => logger.error('bulk replay failed', { jobId: job.id, error: (err as Error).message }));
      return job;
    },

    async get(id: string): Promise<ReplayJob | undefined> {
      const raw = await redis.get(key(id));
      return raw ? (JSON.parse(raw) as ReplayJob) : undefined;
    },
  };
}

export type BulkReplays = ReturnType<typeof bulkReplays>;
