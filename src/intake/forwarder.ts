import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger';
import { causeOf, UNREADABLE, type DeadLetters } from './dead-letters';
import { startAndRecord } from './durable-intake';
import type { DependencyState } from './health-state';
import type { DedupLedger } from './ledger';
import type { Outbox, OutboxEntry, QueuedStart } from './outbox';
import type { Admission, StartOutcome } from './admission';
import { waitForRedis } from './redis';
import { isRefusedForGood } from './temporal';

export interface ForwarderOptions {
  client: Client;
  taskQueue: string;
  /** Used for reads, acknowledgements and claims; a duplicate of it does the blocking reads. */
  redis: Redis;
  outbox: Outbox;
  /** Where starts Temporal refuses for good go, with their cause. */
  deadLetters: DeadLetters;
  ledger: DedupLedger;
  state: DependencyState;
  logger: Logger;
  /** Entries this forwarder holds at most (read and not yet acknowledged). */
  batchSize: number;
  /** Starts in flight at most; the forwarder adapts below it to the engine's latency. */
  maxConcurrency: number;
  /** Start latency the concurrency aims at: while under it, more starts go at once. */
  latencyTargetMs: number;
  /** Told how each start went, so a receiver's admission knows how the engine is doing. */
  admission?: Pick<Admission, 'observe'>;
  /** Entries another forwarder left unacknowledged this long are taken over (default CLAIM_IDLE_MS; tests shorten it). */
  claimIdleMs?: number;
  maxBackoffMs: number;
  startTimeoutMs: number;
  /** Other consumers with nothing pending and idle this long are removed from the group (default 10 × claimIdleMs). */
  consumerGoneMs?: number;
  /** How long one read waits for new entries when there is nothing to do. */
  blockMs?: number;
  /** Unique per process; a restarted forwarder gets a new name and claims the old one's entries. */
  consumer?: string;
}

export interface Forwarder {
  readonly consumer: string;
  /** Stops after the starts in flight; entries not yet acknowledged stay in the stream for the next forwarder. */
  stop(): Promise<void>;
}

const MIN_BACKOFF_MS = 200;
/** Per start, how much the fastest start seen may rise (about doubling over 700 starts). */
const FASTEST_DRIFT = 1.001;
/** While idle, a finished start is waited for at most this long before the outbox is read again. */
const POLL_MS = 50;

/**
 * Drains the outbox into Temporal. Each entry is started with its own workflow ID, so "already
 * started" counts as done; an entry is acknowledged (and deleted) only after Temporal accepted it.
 * Starts run as a pipeline, as many at once as the engine takes without its latency passing the
 * target (additive increase, multiplicative decrease; halved on a failure). A failed start is kept
 * and retried after a backoff; entries another forwarder read and never acknowledged are claimed once
 * they have been idle for claimIdleMs. Several forwarders share the stream through the consumer
 * group, each reading only about what it can start soon.
 */
/**
 * How long an entry another forwarder read may stay unacknowledged before it is taken over: a
 * crashed forwarder's entries wait this long, far more than a start takes.
 */
const CLAIM_IDLE_MS = 30_000;

export function startForwarder(options: ForwarderOptions): Forwarder {
  const claimIdleMs = options.claimIdleMs ?? CLAIM_IDLE_MS;
  const consumer = options.consumer ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const log = options.logger.child({ component: 'forwarder', consumer });
  const blockMs = options.blockMs ?? 1000;
  // A live forwarder touches the group every blockMs (or its backoff, at most maxBackoffMs): far less.
  const consumerGoneMs = options.consumerGoneMs ?? claimIdleMs * 10;
  // Blocking reads get their own connection, with a command timeout longer than the block.
  const reader = options.redis.duplicate({ commandTimeout: blockMs + 2000 });
  reader.on('error', () => undefined);
  let stopping = false;
  let wake: (() => void) | undefined;
  let backoffMs = 0;
  let lastClaimAt = 0;
  /** Read, not yet started (or to be retried), oldest first. */
  const waiting: OutboxEntry[] = [];
  /** Every entry id held: waiting or in flight (a claim can return one of our own). */
  const held = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  let limit = Math.min(4, options.maxConcurrency);
  let slowStart = true;
  let lastDecreaseAt = 0;
  let fastestMs = Infinity;
  /** Set while starts fail: logged once when it begins and once when the outbox drains again. */
  let stalled: { since: number; failures: number } | undefined;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  /**
   * The concurrency follows the latency: up while under the target, down at most once per start's
   * time over it. The target is the configured one, or twice the fastest recent start when the engine
   * is slower than that even unloaded (it would otherwise be drained one start at a time).
   */
  function adapt(outcome: StartOutcome): void {
    options.admission?.observe(outcome);
    const now = Date.now();
    if ('failed' in outcome) {
      limit = Math.max(1, limit / 2);
      slowStart = false;
      return;
    }
    // The fastest start seen, drifting up slowly so that an engine that got slower is followed.
    fastestMs = Math.min(outcome.ms, fastestMs * FASTEST_DRIFT);
    if (outcome.ms <= Math.max(options.latencyTargetMs, 2 * fastestMs)) limit = Math.min(options.maxConcurrency, limit + (slowStart ? 1 : 1 / limit));
    else if (now - lastDecreaseAt > outcome.ms) {
      limit = Math.max(1, limit * 0.8);
      slowStart = false;
      lastDecreaseAt = now;
    }
  }

  /** Forwards one entry; true when it is done with (started, duplicate or dead-lettered). */
  async function forward(entry: OutboxEntry): Promise<boolean> {
    const { start } = entry;
    if (!start) {
      await options.deadLetters.add(entry, UNREADABLE);
      log.error('unreadable outbox entry: moved to the dead-letter stream', { outboxId: entry.id });
      return true;
    }
    const entryLog = log.child({ workflowId: start.workflowId, outboxId: entry.id });
    let queued: QueuedStart;
    try {
      queued = options.outbox.open(start);
    } catch (err) {
      // A key missing from this forwarder's PAYLOAD_ENCRYPTION_KEYS: kept, for a forwarder that has it.
      entryLog.error('queued start cannot be decrypted here: left in the outbox', { error: (err as Error).message });
      return false;
    }
    try {
      // A start the ledger knows was accepted before (its run may since have left Temporal's retention).
      const known = await options.ledger.find(start.workflowId).catch(() => undefined);
      if (known === undefined) {
        const result = await startAndRecord(options, queued, options.startTimeoutMs, entryLog, adapt);
        entryLog.info(result.duplicate ? 'queued start was a duplicate' : 'queued saga started', {
          queuedForMs: Date.now() - Date.parse(start.queuedAt),
        });
      }
    } catch (err) {
      if (isRefusedForGood(err)) {
        const why = causeOf(err);
        await options.deadLetters.add(entry, why);
        entryLog.error('temporal refused the queued start as invalid: moved to the dead-letter stream', { cause: why.cause, causeType: why.causeType });
        return true;
      }
      if (!stalled) {
        stalled = { since: Date.now(), failures: 0 };
        log.warn('temporal does not take queued starts: the outbox is not draining', { error: (err as Error).message });
      }
      stalled.failures++;
      entryLog.debug('queued start not accepted yet', { error: (err as Error).message });
      return false;
    }
    await options.outbox.ack(entry);
    if (stalled) {
      log.info('the outbox drains again', { failedStarts: stalled.failures, stalledForMs: Date.now() - stalled.since });
      stalled = undefined;
    }
    return true;
  }

  function launch(entry: OutboxEntry): void {
    const running: Promise<void> = forward(entry)
      .then(
        (done) => {
          if (done) {
            held.delete(entry.id);
            backoffMs = 0;
          } else {
            waiting.push(entry);
            backoffMs = Math.min(options.maxBackoffMs, Math.max(MIN_BACKOFF_MS, backoffMs * 2));
          }
        },
        (err) => {
          // Redis failed (dead letter or acknowledgement): keep the entry and retry it.
          waiting.push(entry);
          options.state.failed('redis', err, 'the outbox cannot be acknowledged');
          backoffMs = Math.min(options.maxBackoffMs, Math.max(MIN_BACKOFF_MS, backoffMs * 2));
        },
      )
      .finally(() => {
        inFlight.delete(running);
        wake?.();
      });
    inFlight.add(running);
  }

  /** Up to `count` entries to take on: stale ones claimed from a gone forwarder first, then new ones. */
  async function read(count: number, block: boolean): Promise<OutboxEntry[]> {
    if (Date.now() - lastClaimAt >= claimIdleMs / 2) {
      lastClaimAt = Date.now();
      const claimed = (await options.outbox.claimStale(consumer, claimIdleMs, count)).filter((entry) => !held.has(entry.id));
      if (claimed.length > 0) {
        log.info('claimed entries left pending by another forwarder', { count: claimed.length });
        return claimed;
      }
      // Only after claiming: a gone forwarder's entries are ours now, so it has nothing pending left.
      const removed = await options.outbox.removeGoneConsumers(consumer, consumerGoneMs);
      if (removed.length > 0) log.info('removed forwarders that are gone from the consumer group', { consumers: removed });
    }
    return block ? options.outbox.readNew(reader, consumer, count, blockMs) : options.outbox.readNew(options.redis, consumer, count);
  }

  async function loop(): Promise<void> {
    let groupReady = false;
    let redisBackoffMs = 0;
    await waitForRedis(reader, 2000);
    // Entries this consumer name read in an earlier life and never acknowledged (a configured name).
    let recovering = true;
    while (!stopping) {
      // Read ahead only when about to run dry, up to batchSize held: other forwarders get the rest.
      if (backoffMs === 0 && waiting.length < Math.ceil(limit) && held.size < options.batchSize) {
        try {
          if (!groupReady) {
            await options.outbox.ensureGroup();
            groupReady = true;
          }
          const idle = inFlight.size === 0 && waiting.length === 0;
          const room = options.batchSize - held.size;
          const entries = recovering ? await options.outbox.readOwnPending(consumer, room) : await read(room, idle);
          recovering = false;
          for (const entry of entries) {
            if (held.has(entry.id)) continue;
            held.add(entry.id);
            waiting.push(entry);
          }
          redisBackoffMs = 0;
          options.state.recovered('redis');
        } catch (err) {
          if (stopping) break;
          if (String((err as Error).message).includes('NOGROUP')) groupReady = false;
          options.state.failed('redis', err, 'the outbox cannot be read');
          redisBackoffMs = Math.min(options.maxBackoffMs, Math.max(MIN_BACKOFF_MS, redisBackoffMs * 2));
          await sleep(redisBackoffMs);
          continue;
        }
      }
      if (stopping) break;
      if (backoffMs > 0) {
        await sleep(backoffMs);
        // One entry after a failure: it tells whether Temporal is back without spending a round of them.
        if (waiting.length > 0 && inFlight.size === 0) launch(waiting.shift()!);
        if (inFlight.size > 0) await Promise.race(inFlight);
        continue;
      }
      while (waiting.length > 0 && inFlight.size < Math.floor(limit)) launch(waiting.shift()!);
      // Full, or nothing new right now while starts are out: wait for one to finish (or a moment).
      if (inFlight.size > 0 && (inFlight.size >= Math.floor(limit) || waiting.length === 0)) await Promise.race([...inFlight, sleep(POLL_MS)]);
    }
    await Promise.allSettled(inFlight);
  }

  log.info('forwarder started', { stream: options.outbox.stream });
  const running = loop().catch((err) => log.error('forwarder stopped on an unexpected error', { error: (err as Error).message }));

  return {
    consumer,
    async stop() {
      stopping = true;
      wake?.();
      // Interrupts a blocking read; the starts in flight finish first.
      reader.disconnect();
      await running;
      log.info('forwarder stopped');
    },
  };
}
