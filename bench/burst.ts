/**
 * Scenario (g): a burst far above the engine's start rate (`ratePerSecond`, open loop, on up to
 * `concurrency` connections), against one receiver with its forwarder and the default admission and
 * rate limits. Vendor-facing latency and statuses while it lasts, and beside them repeats of known
 * events at a tenth of the rate on the same receiver at the same moment (the floor its answers can
 * reach on the machine as the burst loads it); then the drain: the time until Temporal counts a
 * workflow for every accepted event, and its rate.
 */
import type { ChildProcess } from 'node:child_process';
import type { Client } from '@temporalio/client';
import { Redis } from 'ioredis';
import { redisKeys } from '../src/intake/redis';
import { httpPoster, record, summary, type LoadResult, type Sample } from './load';

export interface BurstResult extends LoadResult {
  name: 'g';
  concurrency: number;
  /** Deliveries offered per second, whatever the answers do. */
  offeredPerSecond: number;
  /** Events accepted (202), warm-up included: each must end as one workflow. */
  accepted: number;
  /** Workflows Temporal counts on the scenario's task queue at the end. */
  workflows: number;
  /** Every accepted event started, exactly once: Temporal's count equals the accepted events. */
  exactlyOnce: boolean;
  /** From the first delivery until Temporal counted every accepted event. */
  drainSeconds: number;
  drainRate: number;
  /**
   * The engine's own start rate beside the drain: a bare client's, for a few seconds just before the
   * burst and just after the drain, averaged (the dev server slows as its SQLite file grows, so (b)
   * of the run's start would flatter it).
   */
  engineRate: number;
  deadLetters: number;
  /** Repeats of known events offered during the burst (a tenth of its rate), on the same receiver. */
  repeats: LoadResult;
  peakRssMb: number;
}

export interface BurstOptions {
  client: Client;
  receiverEnv: NodeJS.ProcessEnv;
  concurrency: number;
  ratePerSecond: number;
  durationMs: number;
  next: () => Sample;
  /** Deliveries of a fixed set of `size` events, round robin. */
  repeat: (() => Sample) & { readonly size: number };
  /** A bare client's start rate over a short round on the same server (the bench's (b)). */
  engineRound: () => Promise<number>;
  drainTimeoutMs: number;
  startProcess: (script: string, env: NodeJS.ProcessEnv, port: number) => Promise<ChildProcess>;
  stopProcess: (child: ChildProcess) => Promise<void>;
  freePort: () => Promise<number>;
  rssWatcher: (pid: number) => { stop: () => number };
}

/** Waits until the outbox under `prefix` holds nothing (the receiver's forwarder drained it); false on timeout. */
export async function outboxDrained(prefix: string, timeoutMs: number): Promise<boolean> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  try {
    const deadline = Date.now() + timeoutMs;
    while ((await redis.xlen(redisKeys(prefix).outbox)) > 0) {
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 200));
    }
    return true;
  } finally {
    redis.disconnect();
  }
}

const accepted = (statuses: Record<string, number>) => statuses['202'] ?? 0;

export async function burst(options: BurstOptions): Promise<BurstResult> {
  const taskQueue = `bench-burst-${Date.now()}`;
  // The deployed defaults: admission, forwarder and the per-source rate limit (the bench turns it off elsewhere).
  // Its outbox must be its own (a queued start carries no task queue): receiverEnv's prefix is the scenario's.
  const { RATE_LIMIT_PER_SECOND: _off, ...env } = options.receiverEnv;
  const keys = redisKeys(env.REDIS_KEY_PREFIX!);
  const port = await options.freePort();
  const child = await options.startProcess('src/server.ts', { ...env, TEMPORAL_TASK_QUEUE: taskQueue }, port);
  const rss = options.rssWatcher(child.pid!);
  const poster = httpPoster(`http://127.0.0.1:${port}`, options.concurrency);
  const repeatConnections = Math.max(1, Math.round(options.concurrency / 8));
  const repeatPoster = httpPoster(`http://127.0.0.1:${port}`, repeatConnections);
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  try {
    const load = { concurrency: options.concurrency, ratePerSecond: options.ratePerSecond, maxRequests: 1_000_000 };
    const repeatLoad = { concurrency: repeatConnections, ratePerSecond: options.ratePerSecond / 10, maxRequests: 1_000_000 };
    const together = (durationMs: number) =>
      Promise.all([record(() => poster.post(options.next()), { ...load, durationMs }), record(() => repeatPoster.post(options.repeat()), { ...repeatLoad, durationMs })]);
    const engineBefore = await options.engineRound();
    // The repeats' events are delivered first and started before the burst, so that during it they
    // are what vendors' retries mostly are: events the ledger knows.
    const primed = await record(() => repeatPoster.post(options.repeat()), { concurrency: repeatConnections, durationMs: 1000, maxRequests: 1000 });
    if (!(await outboxDrained(env.REDIS_KEY_PREFIX!, 60_000))) throw new Error('(g) the repeats to be did not start within a minute');
    const refusedRepeats = Object.entries(primed.statuses).filter(([status]) => status !== '200' && status !== '202');
    if (refusedRepeats.length > 0 || primed.errors > 0) throw new Error(`(g) the repeats to be were not all accepted: ${JSON.stringify(primed.statuses)}, errors ${primed.errors}`);
    const warm = await record(() => poster.post(options.next()), { ...load, durationMs: 1000 });
    const startedAt = performance.now();
    const [timed, repeatRecording] = await together(options.durationMs);
    const repeats = summary(repeatRecording);
    // Events, not 202s: each repeated event counts once. Two first deliveries of one racing each
    // other may both be answered 202 (one started directly, the other queued before the first was
    // recorded): one saga, which the forwarder finds started.
    const total = options.repeat.size + accepted(warm.statuses) + accepted(timed.statuses);
    let workflows = 0;
    const deadline = Date.now() + options.drainTimeoutMs;
    for (;;) {
      // Temporal is counted only once the outbox is empty: a visibility count while it drains would
      // load the very server being measured, on the dev server a scan of every workflow.
      const backlog = await redis.xlen(keys.outbox);
      if (backlog === 0) workflows = (await options.client.workflow.count(`TaskQueue = '${taskQueue}'`)).count;
      if ((workflows >= total && backlog === 0) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    if (workflows === 0) workflows = (await options.client.workflow.count(`TaskQueue = '${taskQueue}'`)).count;
    const drainSeconds = (performance.now() - startedAt) / 1000;
    const engineRate = Number(((engineBefore + (await options.engineRound())) / 2).toFixed(1));
    const deadLetters = await redis.xlen(keys.deadLetters);
    const result: BurstResult = {
      name: 'g',
      concurrency: options.concurrency,
      offeredPerSecond: options.ratePerSecond,
      ...summary(timed),
      accepted: total,
      workflows,
      exactlyOnce: workflows === total,
      drainSeconds: Number(drainSeconds.toFixed(2)),
      // The warm-up's events are drained in the same time: they count.
      drainRate: Number((total / drainSeconds).toFixed(1)),
      engineRate,
      deadLetters,
      repeats,
      peakRssMb: rss.stop(),
    };
    process.stderr.write(
      `[bench] g: ${result.rps} req/s answered of ${options.ratePerSecond}/s offered on up to ${options.concurrency} connections, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, statuses ${JSON.stringify(result.statuses)}, errors ${result.errors}; ` +
        `${total} accepted, ${workflows} workflows in Temporal, drained in ${result.drainSeconds} s (${result.drainRate}/s; a bare client beside it ${engineRate}/s), dead letters ${deadLetters}; ` +
        `repeats beside it p50 ${repeats.p50Ms} ms, p99 ${repeats.p99Ms} ms, statuses ${JSON.stringify(repeats.statuses)}; peak RSS ${result.peakRssMb} MB\n`,
    );
    return result;
  } finally {
    poster.close();
    repeatPoster.close();
    redis.disconnect();
    await options.stopProcess(child);
  }
}
