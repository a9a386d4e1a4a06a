import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Client } from '@temporalio/client';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger';
import type { AuditLog } from './audit';
import { confirmBulk, OpsBadRequestError } from './errors';
import type { CauseReader } from './cause';
import { SAGA_OUTCOMES, type SagaFilter, type Scope } from './filters';
import { matchingSagas, type SagaRow } from './find';
import { ReplayRefusedError, replaySaga, type ReplayGuard } from './replay';

/**
 * Bulk replay: a dry run lists what a filter would replay; the real run must echo the dry run's
 * count (so nobody replays 4,000 sagas thinking it was 40), then replays with limited concurrency.
 *
 * A job lives in Redis, not in the receiver that started it: its list of runs, one result per run as
 * it is handled, and a lease that the receiver working on it renews. Every receiver looks for jobs
 * whose lease has expired (their receiver died, or lost Redis for longer than the lease) and takes
 * them over, recording the interruption; a receiver shutting down hands its lease back at once. The
 * work a job resumes is safe to redo: a job replays each run under one ticket (src/ops/replay.ts), so
 * a run it replayed before the interruption is found again as its own, never started twice. Once
 * every run is handled, the job follows the replayed runs in Temporal to count how they ended.
 */

export interface BulkPreview {
  filter: SagaFilter;
  /** Workflows that would be replayed: pass this back as `expect` to confirm. */
  count: number;
  /** Sagas with a failed run matching that were already replayed (their latest run completed or runs). */
  alreadyReplayed: number;
  /** Left out unless asked: failures no replay can cure (`includePermanent`), terminated and canceled runs (`includeTerminated`). */
  excluded: { permanent: number; terminated: number };
  /** More matched than OPS_REPLAY_MAX: narrow the filter. */
  truncated: boolean;
  items: Pick<SagaRow, 'workflowId' | 'runId' | 'outcome' | 'source' | 'eventType' | 'step' | 'startTime' | 'cause'>[];
}

export type ItemResult = { workflowId: string; result: 'replayed'; runId: string } | { workflowId: string; result: 'refused' | 'error'; reason: string; runId?: string };

/**
 * running: replaying; following: every run handled, waiting for the replayed runs to end; done.
 * interrupted: no receiver holds the job right now (shown until one takes it over).
 */
export type JobState = 'running' | 'following' | 'done' | 'interrupted';

export interface ReplayJob {
  id: string;
  actor: string;
  filter: SagaFilter;
  state: JobState;
  total: number;
  replayed: number;
  refused: number;
  errors: number;
  /** How the replayed runs ended, read from Temporal. */
  outcomes: { completed: number; failedAgain: number; running: number };
  startedAt: string;
  finishedAt?: string;
  /** Each time a receiver found the job abandoned and resumed it. */
  interruptions: { at: string; handled: number; by: string }[];
  results: ItemResult[];
}

/** What Redis keeps of a job besides its results and outcomes. */
interface JobRecord {
  id: string;
  actor: string;
  filter: SagaFilter;
  state: Exclude<JobState, 'interrupted'>;
  total: number;
  startedAt: string;
  followSince?: string;
  finishedAt?: string;
  interruptions: ReplayJob['interruptions'];
  items: { workflowId: string; runId: string }[];
}

const PREVIEW_ITEMS = 100;
const JOB_TTL_SECONDS = 7 * 24 * 3600;
/** A receiver that has not renewed its lease for this long is gone: a Redis stall of a few seconds is not. */
const LEASE_MS = 10_000;
const HEARTBEAT_MS = 2_000;
/** How often every receiver looks for jobs to take over. */
const SWEEP_MS = 2_000;
/** Replayed runs are followed this long, then the job ends with those still running counted as such. */
const FOLLOW_MAX_MS = 10 * 60_000;
const FOLLOW_POLL_MS = 1_000;

/** Renews or releases a lease only if this receiver still holds it. */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

function replayFilter(filter: SagaFilter): SagaFilter {
  const outcome = filter.outcome ?? 'failed';
  if (!SAGA_OUTCOMES.includes(outcome)) {
    throw new OpsBadRequestError('bad_filter', `bulk replay takes an outcome among ${SAGA_OUTCOMES.join(', ')}`, { field: 'outcome' });
  }
  return { ...filter, outcome };
}

export interface BulkReplayDeps {
  client: Client;
  /** Only this deployment's sagas are ever replayed. */
  scope: Scope;
  causes: CauseReader;
  redis: Redis;
  /** Where a job's progress is kept (under the deployment's key prefix), by job ID; its results, outcomes and lease beside it. */
  jobKey: (id: string) => string;
  /** The set of jobs not yet done, which every receiver watches for one to take over. */
  activeJobsKey: string;
  audit: AuditLog;
  logger: Logger;
  guard: ReplayGuard;
  concurrency: number;
  maxBulk: number;
  /** Aborted when the receiver stops: its jobs are handed back for another receiver to resume. */
  signal?: AbortSignal;
}

export function bulkReplays({ client, scope, causes, redis, jobKey, activeJobsKey, audit, logger, guard, concurrency, maxBulk, signal }: BulkReplayDeps) {
  const keys = {
    job: jobKey,
    results: (id: string) => `${jobKey(id)}:results`,
    outcomes: (id: string) => `${jobKey(id)}:outcomes`,
    lease: (id: string) => `${jobKey(id)}:lease`,
    active: activeJobsKey,
  };
  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const working = new Set<string>();

  async function candidates(filter: SagaFilter): Promise<{ rows: SagaRow[]; alreadyReplayed: number; excluded: BulkPreview['excluded']; truncated: boolean }> {
    const { rows: matching, fixed, truncated } = await matchingSagas(client, scope, filter, causes);
    const excluded = { permanent: 0, terminated: 0 };
    const rows: SagaRow[] = [];
    for (const row of matching) {
      if (!filter.includeTerminated && (row.status === 'TERMINATED' || row.status === 'CANCELLED')) excluded.terminated++;
      else if (!filter.includePermanent && row.cause?.permanent) excluded.permanent++;
      else rows.push(row);
    }
    return { rows: rows.slice(0, maxBulk), alreadyReplayed: fixed, excluded, truncated: truncated || rows.length > maxBulk };
  }

  async function load(id: string): Promise<JobRecord | undefined> {
    const raw = await redis.get(keys.job(id));
    return raw ? (JSON.parse(raw) as JobRecord) : undefined;
  }

  async function save(job: JobRecord): Promise<void> {
    await redis.set(keys.job(job.id), JSON.stringify(job), 'EX', JOB_TTL_SECONDS);
  }

  /** One field of a job's results or outcomes; the hash expires with the job. */
  async function note(key: string, field: string, value: unknown): Promise<void> {
    await redis.multi().hset(key, field, JSON.stringify(value)).expire(key, JOB_TTL_SECONDS).exec();
  }

  async function hashOf<T>(key: string): Promise<Map<string, T>> {
    const raw = await redis.hgetall(key);
    return new Map(Object.entries(raw).map(([k, v]) => [k, JSON.parse(v) as T]));
  }

  function summarize(job: JobRecord, results: Map<string, ItemResult>, outcomes: Map<string, string>, leased: boolean): ReplayJob {
    const list = [...results.values()];
    const replayed = list.filter((r) => r.result === 'replayed');
    const ended = [...outcomes.values()];
    const completed = ended.filter((s) => s === 'COMPLETED').length;
    const { items: _items, followSince: _since, ...rest } = job;
    return {
      ...rest,
      state: job.state !== 'done' && !leased ? 'interrupted' : job.state,
      replayed: replayed.length,
      refused: list.filter((r) => r.result === 'refused').length,
      errors: list.filter((r) => r.result === 'error').length,
      outcomes: { completed, failedAgain: ended.length - completed, running: replayed.length - ended.length },
      results: list,
    };
  }

  /** The job's work as long as this receiver holds its lease; stops (the job resumable) when it loses it. */
  async function work(id: string): Promise<void> {
    let lost = false;
    let lastRenewed = Date.now();
    const stopped = () => lost || signal?.aborted === true || Date.now() - lastRenewed > LEASE_MS;
    const heartbeat = setInterval(() => {
      redis
        .eval(RENEW, 1, keys.lease(id), owner, String(LEASE_MS))
        .then((renewed) => {
          if (renewed) lastRenewed = Date.now();
          else lost = true;
        })
        .catch(() => undefined); // a stall: the lease outlives a few seconds of it, and stopped() watches the rest
    }, HEARTBEAT_MS);
    heartbeat.unref();

    /** Redis writes the job cannot go on without: retried through a stall, given up only with the lease. */
    const persist = async (write: () => Promise<unknown>): Promise<boolean> => {
      for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
        if (stopped()) return false;
        try {
          await write();
          return true;
        } catch (err) {
          logger.warn('bulk replay: redis write failed, retrying', { jobId: id, error: (err as Error).message });
          await sleep(delay);
        }
      }
    };

    try {
      const job = await load(id);
      if (!job) return;
      if (job.state === 'running') await replayAll(job, stopped, persist);
      if (stopped()) return;
      if (job.state !== 'done') await follow(job, stopped, persist);
    } finally {
      clearInterval(heartbeat);
      await redis.eval(RELEASE, 1, keys.lease(id), owner).catch(() => undefined);
    }
  }

  type Stopped = () => boolean;
  type Persist = (write: () => Promise<unknown>) => Promise<boolean>;

  async function replayAll(job: JobRecord, stopped: Stopped, persist: Persist): Promise<void> {
    const done = new Set(await redis.hkeys(keys.results(job.id)));
    const pending = job.items.filter((i) => !done.has(i.workflowId));
    let next = 0;
    const worker = async () => {
      while (next < pending.length && !stopped()) {
        const item = pending[next++]!;
        let result: ItemResult;
        try {
          // One ticket per job: a run this job replayed before an interruption is recognised as its own.
          const replay = await replaySaga(client, item.workflowId, { by: job.actor, expectedRunId: item.runId, ticket: `job:${job.id}`, guard, scope });
          result = { workflowId: item.workflowId, result: 'replayed', runId: replay.runId };
        } catch (err) {
          result =
            err instanceof ReplayRefusedError
              ? { workflowId: item.workflowId, result: 'refused', reason: err.refusal, runId: err.runId }
              : { workflowId: item.workflowId, result: 'error', reason: (err as Error).message };
        }
        if (!(await persist(() => note(keys.results(job.id), item.workflowId, result)))) return;
        await audit.record({
          actor: job.actor,
          action: 'replay',
          jobId: job.id,
          workflowIds: [item.workflowId],
          previousRunId: item.runId,
          runId: result.runId,
          outcome: result.result === 'replayed' ? 'replayed' : `${result.result}:${result.reason}`,
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, pending.length) }, worker));
    if (stopped()) return;
    job.state = 'following';
    job.followSince = new Date().toISOString();
    await persist(() => save(job));
  }

  async function follow(job: JobRecord, stopped: Stopped, persist: Persist): Promise<void> {
    const since = Date.parse(job.followSince ?? new Date().toISOString());
    for (;;) {
      const [results, outcomes] = await Promise.all([hashOf<ItemResult>(keys.results(job.id)), redis.hkeys(keys.outcomes(job.id))]).catch(() => [undefined, undefined] as const);
      if (results && outcomes) {
        const closed = new Set(outcomes);
        const open = [...results.values()].filter((r): r is Extract<ItemResult, { result: 'replayed' }> => r.result === 'replayed' && !closed.has(r.workflowId));
        let next = 0;
        await Promise.all(
          Array.from({ length: Math.min(concurrency, open.length) }, async () => {
            while (next < open.length && !stopped()) {
              const r = open[next++]!;
              const status = await client.workflow
                .getHandle(r.workflowId, r.runId)
                .describe()
                .then((d) => d.status.name)
                .catch(() => 'RUNNING'); // not answered now: asked again next round
              if (status !== 'RUNNING' && (await persist(() => note(keys.outcomes(job.id), r.workflowId, status)))) closed.add(r.workflowId);
            }
          }),
        );
        if (stopped()) return;
        if (open.every((r) => closed.has(r.workflowId)) || Date.now() - since > FOLLOW_MAX_MS) break;
      }
      if (stopped()) return;
      await sleep(FOLLOW_POLL_MS);
    }
    job.state = 'done';
    job.finishedAt = new Date().toISOString();
    if (!(await persist(() => save(job)))) return;
    await persist(() => redis.srem(keys.active, job.id));
    const summary = summarize(job, await hashOf<ItemResult>(keys.results(job.id)), await hashOf<string>(keys.outcomes(job.id)), true);
    await audit.record({
      actor: job.actor,
      action: 'bulk_replay_finished',
      jobId: job.id,
      outcome: summary.errors ? 'finished_with_errors' : 'finished',
      counts: {
        total: summary.total,
        replayed: summary.replayed,
        refused: summary.refused,
        errors: summary.errors,
        completed: summary.outcomes.completed,
        failedAgain: summary.outcomes.failedAgain,
        stillRunning: summary.outcomes.running,
      },
    });
  }

  function launch(id: string): void {
    working.add(id);
    work(id)
      .catch((err) => logger.error('bulk replay stopped', { jobId: id, error: (err as Error).message }))
      .finally(() => working.delete(id));
  }

  /** Takes over every job whose lease expired: its receiver is gone. */
  async function sweep(): Promise<void> {
    const ids = await redis.smembers(keys.active);
    for (const id of ids) {
      if (signal?.aborted) return;
      if (working.has(id)) continue;
      if (!(await redis.set(keys.lease(id), owner, 'PX', LEASE_MS, 'NX'))) continue;
      const job = await load(id);
      if (!job || job.state === 'done') {
        await redis.srem(keys.active, id);
        await redis.eval(RELEASE, 1, keys.lease(id), owner);
        continue;
      }
      const handled = await redis.hlen(keys.results(id));
      job.interruptions.push({ at: new Date().toISOString(), handled, by: owner });
      await save(job);
      logger.warn('bulk replay resumed', { jobId: id, handled, total: job.total });
      await audit.record({ actor: job.actor, action: 'bulk_replay_resumed', jobId: id, outcome: 'resumed', counts: { total: job.total, handled } });
      launch(id);
    }
  }

  const sweeper = setInterval(() => {
    sweep().catch((err) => logger.warn('bulk replay sweep failed', { error: (err as Error).message }));
  }, SWEEP_MS);
  sweeper.unref();
  signal?.addEventListener('abort', () => clearInterval(sweeper), { once: true });

  return {
    async preview(filter: SagaFilter): Promise<BulkPreview> {
      const effective = replayFilter(filter);
      const { rows, alreadyReplayed, excluded, truncated } = await candidates(effective);
      return {
        filter: effective,
        count: rows.length,
        alreadyReplayed,
        excluded,
        truncated,
        items: rows.slice(0, PREVIEW_ITEMS).map(({ workflowId, runId, outcome, source, eventType, step, startTime, cause }) => ({
          workflowId,
          runId,
          outcome,
          source,
          eventType,
          step,
          startTime,
          cause,
        })),
      };
    },

    /** Starts a job in the background; `expect` must equal what the dry run counted right now. */
    async start(actor: string, filter: SagaFilter, expect: number): Promise<{ id: string; total: number }> {
      const effective = replayFilter(filter);
      const { rows, truncated } = await candidates(effective);
      confirmBulk('sagas', { count: rows.length, truncated }, expect, maxBulk);
      const job: JobRecord = {
        id: randomUUID(),
        actor,
        filter: effective,
        state: 'running',
        total: rows.length,
        startedAt: new Date().toISOString(),
        interruptions: [],
        items: rows.map(({ workflowId, runId }) => ({ workflowId, runId })),
      };
      await save(job);
      await redis.set(keys.lease(job.id), owner, 'PX', LEASE_MS);
      await redis.sadd(keys.active, job.id);
      await audit.record({ actor, action: 'bulk_replay_started', jobId: job.id, outcome: 'started', filter: { ...effective }, counts: { total: job.total } });
      launch(job.id);
      return { id: job.id, total: job.total };
    },

    async get(id: string): Promise<ReplayJob | undefined> {
      const job = await load(id);
      if (!job) return undefined;
      const [results, outcomes, leased] = await Promise.all([hashOf<ItemResult>(keys.results(id)), hashOf<string>(keys.outcomes(id)), redis.exists(keys.lease(id))]);
      return summarize(job, results, outcomes, leased === 1);
    },
  };
}

