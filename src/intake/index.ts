import type { Client } from '@temporalio/client';
import type { Redis } from 'ioredis';
import type { AppConfig } from '../config';
import type { Intake } from './intake';
import type { Logger } from '../logger';
import { Admission } from './admission';
import { DeadLetters } from './dead-letters';
import { durableIntake } from './durable-intake';
import { startForwarder, type Forwarder, type ForwarderOptions } from './forwarder';
import { DependencyState } from './health-state';
import { memoryCachedLedger, redisLedger, type DedupLedger } from './ledger';
import { Outbox } from './outbox';
import { redisPayloadStore } from './payload-store';
import { sealer } from './sealing';
import { RefusedRequests } from './refused';
import { type PayloadStore } from '../../core/saga/input';

export interface IntakeDeps {
  config: AppConfig;
  logger: Logger;
  temporal: Client;
  redis: Redis;
}

/** The pieces of the durable intake, built once per process and shared by the app and the forwarder. */
export interface IntakeParts {
  intake: Intake;
  outbox: Outbox;
  deadLetters: DeadLetters;
  ledger: DedupLedger;
  payloads: PayloadStore;
  state: DependencyState;
  admission: Admission;
  /** Refused and unrouted requests kept for the console. */
  refused: RefusedRequests;
}

export function buildIntake({ config, logger, temporal, redis }: IntakeDeps, state = new DependencyState(logger)): IntakeParts {
  const prefix = config.intake.keyPrefix;
  const ledger = memoryCachedLedger(redisLedger(redis, { prefix, ttlSeconds: config.intake.dedupTtlSeconds }), {
    max: config.intake.ledgerMemoryEntries,
    ttlSeconds: config.intake.dedupTtlSeconds,
  });
  // What a 2xx rests on waits for the replicas REDIS_WAIT_REPLICAS asks for.
  const wait = { replicas: config.redis.waitReplicas, timeoutMs: config.redis.waitTimeoutMs };
  const sealing = sealer(config.temporal.payloadKeys);
  const payloads = redisPayloadStore(redis, { prefix, ttlSeconds: config.intake.payloadTtlSeconds, wait, sealing });
  const outbox = new Outbox(redis, prefix, wait, sealing);
  const deadLetters = new DeadLetters(redis, prefix, config.intake.deadLetterMaxEntries, logger);
  const admission = new Admission({ ...config.intake.admission, holdMs: config.intake.temporalCooldownMs, logger: logger.child({ component: 'admission' }) });
  const intake = durableIntake({
    client: temporal,
    taskQueue: config.temporal.taskQueue,
    startTimeoutMs: config.temporal.startTimeoutMs,
    admission,
    retryAfterSeconds: config.intake.retryAfterSeconds,
    ledger,
    outbox,
    payloads,
    largePayloadBytes: config.intake.largePayloadBytes,
    state,
  });
  const refused = new RefusedRequests(redis, prefix, config.intake.refused, payloads, sealing, state, logger);
  return { intake, outbox, deadLetters, ledger, payloads, state, admission, refused };
}

/** A forwarder draining this process's outbox, configured from AppConfig. */
export function forwarderFor(
  { config, logger, temporal, redis }: IntakeDeps,
  parts: Pick<IntakeParts, 'outbox' | 'deadLetters' | 'ledger' | 'state'> & Partial<Pick<IntakeParts, 'admission'>>,
  overrides: Partial<ForwarderOptions> = {},
): Forwarder {
  return startForwarder({
    client: temporal,
    taskQueue: config.temporal.taskQueue,
    redis,
    outbox: parts.outbox,
    deadLetters: parts.deadLetters,
    ledger: parts.ledger,
    state: parts.state,
    logger,
    batchSize: config.intake.forwarder.batchSize,
    maxConcurrency: config.intake.forwarder.maxConcurrency,
    latencyTargetMs: config.intake.admission.latencyBudgetMs,
    ...(parts.admission ? { admission: parts.admission } : {}),
    maxBackoffMs: config.intake.forwarder.maxBackoffMs,
    startTimeoutMs: config.temporal.startTimeoutMs,
    ...(config.intake.forwarder.consumer ? { consumer: config.intake.forwarder.consumer } : {}),
    ...overrides,
  });
}
