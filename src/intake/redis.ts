import { Redis, type RedisOptions } from 'ioredis';
import type { AppConfig } from '../config';

/**
 * The receiver's Redis client. Everything here exists so that a Redis outage costs a delivery
 * milliseconds, not seconds: no offline queue (a command fails at once while disconnected instead
 * of waiting for a reconnect), short connect and command timeouts, one retry at most, and a
 * reconnect loop that keeps trying in the background so the degradation ends on its own.
 */
export function redisOptions(config: Pick<AppConfig, 'intake'>): RedisOptions {
  return {
    enableOfflineQueue: false,
    connectTimeout: config.intake.redisConnectTimeoutMs,
    commandTimeout: config.intake.redisCommandTimeoutMs,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(100 * attempt, 2000),
    // A reconnect must not replay commands the caller has already given up on (an XADD twice).
    autoResendUnfulfilledCommands: false,
    // On shutdown, a socket that never connected is destroyed after this (default 2 s).
    disconnectTimeout: 200,
  };
}

export function createRedis(config: Pick<AppConfig, 'redis' | 'intake'>, overrides: RedisOptions = {}): Redis {
  return new Redis(config.redis.url, { ...redisOptions(config), ...overrides });
}

/** Key names, all under the configured prefix: every key the receiver, forwarder and console write. */
export function redisKeys(prefix: string) {
  return {
    ledger: (workflowId: string) => `${prefix}ledger:${workflowId}`,
    payload: (sha256: string) => `${prefix}payload:${sha256}`,
    outbox: `${prefix}outbox`,
    deadLetters: `${prefix}outbox:dead`,
    /** The console's audit stream, unless OPS_AUDIT_STREAM names another key. */
    audit: `${prefix}ops:audit`,
    replayJob: (id: string) => `${prefix}ops:replay-job:${id}`,
    /** Jobs not yet done, watched by every receiver for one whose lease expired. */
    activeReplayJobs: `${prefix}ops:replay-jobs:active`,
    /** Who is replaying a given run (src/ops/replay.ts). */
    replayGuard: (workflowId: string, runId: string) => `${prefix}ops:replay-guard:${workflowId}:${runId}`,
    rateLimit: (source: string, window: number) => `${prefix}ratelimit:${source}:${window}`,
    failureLimit: (source: string, client: string, window: number) => `${prefix}ratelimit-failed:${source}:${client}:${window}`,
  };
}

/**
 * Waits (briefly) for a new client's first connection: without an offline queue, commands sent
 * before it would fail. Resolves false when Redis did not answer in time; the process then starts
 * degraded and the client keeps reconnecting.
 */
export async function waitForRedis(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return true;
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    redis.on('ready', onReady);
  });
}
