import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger';
import { causeOf, UNREADABLE, type DeadLetters } from './dead-letters';
import { startAndRecord } from './durable-intake';
import type { DependencyState } from './health-state';
import type { DedupLedger } from './ledger';
import type { Outbox, OutboxEntry } from './outbox';
import { waitForRedis } from './redis';
import { isRefusedForGood } from './temporal';

export interface ForwarderOptions {
  client: Client;
  taskQueue: string;
  /** Used for acknowledgements and claims; a duplicate of it does the blocking reads. */
  redis: Redis;
  outbox: Outbox;
  /** Where starts Temporal refuses for good go, with their cause. */
  deadLetters: DeadLetters;
  ledger: DedupLedger;
  state: DependencyState;
  logger: Logger;
  batchSize: number;
  /** Entries another forwarder left unacknowledged this long are taken over. */
  claimIdleMs: number;
  maxBackoffMs: number;
  startTimeoutMs: number;
  /** Other consumers with nothing pending and idle this long are removed from the group (default 10 × claimIdleMs). */
  consumerGoneMs?: number;
  /** How long one read waits for new entries. */
  blockMs?: number;
  /** Unique per process; a restarted forwarder gets a new name and claims the old one's entries. */
  consumer?: string;
}

export interface Forwarder {
  readonly consumer: string;
  /** Stops after the batch in hand; entries not yet acknowledged stay in the stream for the next forwarder. */
  stop(): Promise<void>;
}

const MIN_BACKOFF_MS = 200;

/**
 * Drains the outbox into Temporal. Each entry is started with its own workflow ID, so "already
 * started" counts as done; an entry is acknowledged (and deleted) only after Temporal accepted it.
 * A failed start stays pending and is retried after a backoff; entries another forwarder read and
 * never acknowledged are claimed once they have been idle for claimIdleMs.
 */
export function startForwarder(options: ForwarderOptions): Forwarder {
  const consumer = options.consumer ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const log = options.logger.child({ component: 'forwarder', consumer });
  const blockMs = options.blockMs ?? 1000;
  // A live forwarder touches the group every blockMs (or its backoff, at most maxBackoffMs): far less.
  const consumerGoneMs = options.consumerGoneMs ?? options.claimIdleMs * 10;
  // Blocking reads get their own connection, with a command timeout longer than the block.
  const reader = options.redis.duplicate({ commandTimeout: blockMs + 2000 });
  reader.on('error', () => undefined);
  let stopping = false;
  let wake: (() => void) | undefined;
  let backoffMs = 0;
  let lastClaimAt = 0;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  /** Forwards one entry; true when it is done with (started, duplicate or dead-lettered). */
  async function forward(entry: OutboxEntry): Promise<boolean> {
    const { start } = entry;
    if (!start) {
      await options.deadLetters.add(entry, UNREADABLE);
      log.error('unreadable outbox entry: moved to the dead-letter stream', { outboxId: entry.id });
      return true;
    }
    const entryLog = log.child({ workflowId: start.workflowId, outboxId: entry.id });
    try {
      // A start the ledger knows was accepted before (its run may since have left Temporal's retention).
      const known = await options.ledger.find(start.workflowId).catch(() => undefined);
      if (known === undefined) {
        const result = await startAndRecord(options, start, options.startTimeoutMs, entryLog);
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
      options.state.failed('temporal', err, 'the outbox is not draining');
      entryLog.debug('queued start not accepted yet', { error: (err as Error).message });
      return false;
    }
    await options.outbox.ack(entry.id);
    return true;
  }

  async function nextBatch(): Promise<OutboxEntry[]> {
    if (Date.now() - lastClaimAt >= options.claimIdleMs / 2) {
      lastClaimAt = Date.now();
      const claimed = await options.outbox.claimStale(consumer, options.claimIdleMs, options.batchSize);
      if (claimed.length > 0) {
        log.info('claimed entries left pending by another forwarder', { count: claimed.length });
        return claimed;
      }
      // Only after claiming: a gone forwarder's entries are ours now, so it has nothing pending left.
      const removed = await options.outbox.removeGoneConsumers(consumer, consumerGoneMs);
      if (removed.length > 0) log.info('removed forwarders that are gone from the consumer group', { consumers: removed });
    }
    const own = await options.outbox.readOwnPending(consumer, options.batchSize);
    if (own.length > 0) return own;
    return options.outbox.readNew(reader, consumer, options.batchSize, blockMs);
  }

  async function loop(): Promise<void> {
    let groupReady = false;
    await waitForRedis(reader, 2000);
    while (!stopping) {
      try {
        if (!groupReady) {
          await options.outbox.ensureGroup();
          groupReady = true;
        }
        const batch = await nextBatch();
        options.state.recovered('redis');
        if (stopping || batch.length === 0) continue;
        const done = await Promise.all(batch.map(forward));
        backoffMs = done.every(Boolean) ? 0 : Math.min(options.maxBackoffMs, Math.max(MIN_BACKOFF_MS, backoffMs * 2));
      } catch (err) {
        if (stopping) break;
        if (String((err as Error).message).includes('NOGROUP')) groupReady = false;
        options.state.failed('redis', err, 'the outbox cannot be read');
        backoffMs = Math.min(options.maxBackoffMs, Math.max(MIN_BACKOFF_MS, backoffMs * 2));
      }
      if (backoffMs > 0 && !stopping) await sleep(backoffMs);
    }
  }

  log.info('forwarder started', { stream: options.outbox.stream });
  const running = loop().catch((err) => log.error('forwarder stopped on an unexpected error', { error: (err as Error).message }));

  return {
    consumer,
    async stop() {
      stopping = true;
      wake?.();
      // Interrupts a blocking read; the batch in hand (if any) finishes first.
      reader.disconnect();
      await running;
      log.info('forwarder stopped');
    },
  };
}
