import { createHash } from 'node:crypto';
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

/**
 * With REDIS_SENTINELS, the client asks the sentinels for the group's primary on every (re)connect,
 * and follows a failover as soon as they announce it (`+switch-master`); REDIS_URL keeps giving the
 * credentials and db. A demoted primary answers writes with READONLY: the client reconnects, which
 * asks the sentinels again (the failed command fails: its caller falls back as for any Redis error).
 */
function sentinelOptions(config: Pick<AppConfig, 'redis'>): RedisOptions {
  const sentinel = config.redis.sentinel;
  if (!sentinel) return {};
  return {
    sentinels: sentinel.sentinels,
    name: sentinel.name,
    ...(sentinel.password ? { sentinelPassword: sentinel.password } : {}),
    failoverDetector: true,
    reconnectOnError: (err) => err.message.startsWith('READONLY'),
    sentinelRetryStrategy: (attempt) => Math.min(100 * attempt, 2000),
  };
}

export function createRedis(config: Pick<AppConfig, 'redis' | 'intake'>, overrides: RedisOptions = {}): Redis {
  return new Redis(config.redis.url, { ...redisOptions(config), ...sentinelOptions(config), ...overrides });
}

/** How many replicas must hold a write before a 2xx may rest on it (REDIS_WAIT_REPLICAS), and for how long to wait. */
export interface ReplicaWait {
  replicas: number;
  timeoutMs: number;
}

/**
 * Resolves once `replicas` replicas hold every write this client sent before (Redis WAIT), so that a
 * failover, which promotes a replica, keeps it; throws otherwise, and the caller answers as if the
 * write had failed (the vendor retries; the workflow ID dedups a start that did survive).
 */
export async function waitForReplicas(redis: Redis, wait: ReplicaWait): Promise<void> {
  if (wait.replicas === 0) return;
  const acknowledged = await redis.wait(wait.replicas, wait.timeoutMs);
  if (acknowledged < wait.replicas) {
    throw new Error(`${acknowledged} of ${wait.replicas} Redis replicas acknowledged the write within ${wait.timeoutMs} ms`);
  }
}

/**
 * A Lua script run by its SHA, as Redis caches scripts: one round trip, sent whole only when Redis
 * answers NOSCRIPT (it restarted, failed over, or is new).
 */
export function luaScript(lua: string): (redis: Redis, keys: string[], args: (string | number)[]) => Promise<unknown> {
  const sha = createHash('sha1').update(lua).digest('hex');
  return (redis, keys, args) =>
    redis.evalsha(sha, keys.length, ...keys, ...args).catch((err: Error) => {
      if (!err.message.startsWith('NOSCRIPT')) throw err;
      return redis.eval(lua, keys.length, ...keys, ...args);
    });
}

/** Key names, all under the configured prefix: every key the receiver, forwarder and console write. */
export function redisKeys(prefix: string) {
  return {
    ledger: (workflowId: string) => `${prefix}ledger:${workflowId}`,
    payload: (sha256: string) => `${prefix}payload:${sha256}`,
    outbox: `${prefix}outbox`,
    /** The outbox entry holding a workflow's queued start, so a repeat is not queued twice (src/intake/outbox.ts). */
    queuedStart: (workflowId: string) => `${prefix}outbox:queued:${workflowId}`,
    deadLetters: `${prefix}outbox:dead`,
    /** Requests refused (or verified but unrouted), kept for the console, and their bodies by entry id (src/intake/refused.ts). */
    refused: `${prefix}refused`,
    refusedBodies: `${prefix}refused:bodies`,
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
