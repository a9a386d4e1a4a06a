import { z } from 'zod';
import { env, parseEnv } from '../../core/env';

/**
 * Settings of the durable intake (ledger, outbox, forwarder, large payloads) and of the receiver's
 * defences against slow or flooding clients. Read next to the core schema by loadConfig; every
 * variable is in .env.example.
 */
const schema = z.object({
  /** Every key this project writes to Redis starts with this, so several deployments can share one Redis. */
  REDIS_KEY_PREFIX: z.string().default('webhooks:'),
  /** Redis must fail fast when it is down: a delivery then goes straight to Temporal instead of waiting. */
  REDIS_CONNECT_TIMEOUT_MS: env.int(1000, 50),
  REDIS_COMMAND_TIMEOUT_MS: env.int(500, 20),

  /** Longer than the namespace's retention, so a redelivery after Temporal forgot the run is still a duplicate. */
  DEDUP_TTL_SECONDS: env.int(30 * 24 * 3600, 60),
  LEDGER_MEMORY_ENTRIES: env.int(10_000, 0, 1_000_000),
  LARGE_PAYLOAD_THRESHOLD: env.bytes(64 * 1024),
  PAYLOAD_TTL_SECONDS: env.int(7 * 24 * 3600, 60),
  /** Once deliveries go straight to the outbox (Temporal behind or failing), at least this long before direct starts resume. */
  TEMPORAL_COOLDOWN_MS: env.int(2000, 0),
  /** Direct saga starts in flight per receiver; a delivery past them is queued in the outbox at once. */
  ADMISSION_MAX_IN_FLIGHT: env.int(32, 1, 10_000),
  /** Recent Temporal start latency above this: deliveries are queued instead of waiting on the engine. */
  ADMISSION_LATENCY_BUDGET_MS: env.int(250, 1),
  /** Retry-After sent with a 503 when neither Temporal nor Redis accepted the event. */
  RETRY_AFTER_SECONDS: env.int(30, 1, 3600),

  /** The dead-letter stream keeps this many entries; older ones are deleted, each logged and counted. */
  DEAD_LETTER_MAX_ENTRIES: env.int(10_000, 10, 1_000_000),
  /** Refused and unrouted requests kept for the console (src/intake/refused.ts); 0 keeps none. */
  REFUSED_MAX_ENTRIES: env.int(5000, 0, 100_000),
  /** How long a refused request is kept: long enough to notice a botched secret rotation and fix it. */
  REFUSED_MAX_AGE_HOURS: env.int(7 * 24, 1, 30 * 24),

  FORWARDER_IN_PROCESS: env.bool(true),
  FORWARDER_BATCH_SIZE: env.int(50, 1, 1000),
  FORWARDER_MAX_CONCURRENCY: env.int(64, 1, 1000),
  FORWARDER_MAX_BACKOFF_MS: env.int(5000, 100),
  /** This forwarder's name in the consumer group; must differ between live processes. Default: host-pid-random. */
  FORWARDER_CONSUMER: z.string().regex(/^[\w.:-]{1,100}$/).optional(),

  HEADERS_TIMEOUT_MS: env.int(10_000, 500),
  REQUEST_TIMEOUT_MS: env.int(30_000, 1000),
  BODY_READ_TIMEOUT_MS: env.int(10_000, 100),
  /**
   * Bytes of bodies a receiver's deliveries may hold at once (each reserves its Content-Length, or
   * BODY_LIMIT when chunked), and what one client address may hold of them: past either, 429 or 503
   * before the body is read (src/http/body-budget.ts).
   */
  BODY_MEMORY_BYTES: env.bytes(32 * 1024 * 1024),
  BODY_MEMORY_PER_CLIENT_BYTES: env.bytes(16 * 1024 * 1024),
  KEEP_ALIVE_TIMEOUT_MS: env.int(5000, 0),
  MAX_HEADER_BYTES: env.bytes(16 * 1024),
  /**
   * Verified deliveries per second per source, all receivers together; 0 turns the limit off. Sized
   * from what a receiver makes durable (a queued answer is a few Redis commands, bench (g)), not from
   * the engine's start rate: a genuine burst is queued and drained, not refused.
   */
  RATE_LIMIT_PER_SECOND: env.int(2000, 0),
  /** Requests per second per source and client address that may fail verification before that client is cut off; 0 = off. */
  RATE_LIMIT_FAILURES_PER_SECOND: env.int(20, 0),
  /**
   * Which proxies may report the client's address (X-Forwarded-For), as express's `trust proxy`:
   * `false` (the socket's address), a hop count, or addresses/CIDRs/`loopback` separated by commas.
   */
  TRUST_PROXY: z.string().default('false'),
  /** Per-source exceptions, e.g. `samsara=500,frontapp=50`. */
  RATE_LIMIT_OVERRIDES: env
    .list()
    .refine((items) => items.every((item) => /^[a-z0-9_-]+=\d+$/i.test(item)), 'expected source=number pairs, e.g. samsara=500'),
});

export interface IntakeConfig {
  keyPrefix: string;
  redisConnectTimeoutMs: number;
  redisCommandTimeoutMs: number;
  dedupTtlSeconds: number;
  /** Workflow IDs each process remembers in memory in front of the Redis ledger; 0 = none. */
  ledgerMemoryEntries: number;
  largePayloadBytes: number;
  payloadTtlSeconds: number;
  temporalCooldownMs: number;
  admission: { maxInFlight: number; latencyBudgetMs: number };
  retryAfterSeconds: number;
  deadLetterMaxEntries: number;
  refused: { maxEntries: number; maxAgeMs: number };
  forwarder: { inProcess: boolean; batchSize: number; maxConcurrency: number; maxBackoffMs: number; consumer?: string };
}

export interface HttpLimitsConfig {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  bodyReadTimeoutMs: number;
  bodyMemory: { totalBytes: number; perClientBytes: number };
  keepAliveTimeoutMs: number;
  maxHeaderBytes: number;
  rateLimit: { perSecond: number; overrides: Readonly<Record<string, number>>; failuresPerSecond: number };
  /** express's `trust proxy` setting: false, a hop count, or a list of trusted proxy addresses. */
  trustProxy: boolean | number | string;
}

function trustProxy(value: string): boolean | number | string {
  if (value === 'false' || value === '') return false;
  if (value === 'true') return true;
  return /^\d+$/.test(value) ? Number(value) : value;
}

export function loadIntakeConfig(source: NodeJS.ProcessEnv): { intake: IntakeConfig; limits: HttpLimitsConfig } {
  const e = parseEnv(schema, source);
  return {
    intake: {
      keyPrefix: e.REDIS_KEY_PREFIX,
      redisConnectTimeoutMs: e.REDIS_CONNECT_TIMEOUT_MS,
      redisCommandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
      dedupTtlSeconds: e.DEDUP_TTL_SECONDS,
      ledgerMemoryEntries: e.LEDGER_MEMORY_ENTRIES,
      largePayloadBytes: e.LARGE_PAYLOAD_THRESHOLD,
      payloadTtlSeconds: e.PAYLOAD_TTL_SECONDS,
      temporalCooldownMs: e.TEMPORAL_COOLDOWN_MS,
      admission: { maxInFlight: e.ADMISSION_MAX_IN_FLIGHT, latencyBudgetMs: e.ADMISSION_LATENCY_BUDGET_MS },
      retryAfterSeconds: e.RETRY_AFTER_SECONDS,
      deadLetterMaxEntries: e.DEAD_LETTER_MAX_ENTRIES,
      refused: { maxEntries: e.REFUSED_MAX_ENTRIES, maxAgeMs: e.REFUSED_MAX_AGE_HOURS * 3_600_000 },
      forwarder: {
        inProcess: e.FORWARDER_IN_PROCESS,
        batchSize: e.FORWARDER_BATCH_SIZE,
        maxConcurrency: e.FORWARDER_MAX_CONCURRENCY,
        maxBackoffMs: e.FORWARDER_MAX_BACKOFF_MS,
        ...(e.FORWARDER_CONSUMER ? { consumer: e.FORWARDER_CONSUMER } : {}),
      },
    },
    limits: {
      headersTimeoutMs: e.HEADERS_TIMEOUT_MS,
      // Node requires headersTimeout <= requestTimeout.
      requestTimeoutMs: Math.max(e.REQUEST_TIMEOUT_MS, e.HEADERS_TIMEOUT_MS),
      bodyReadTimeoutMs: e.BODY_READ_TIMEOUT_MS,
      bodyMemory: { totalBytes: e.BODY_MEMORY_BYTES, perClientBytes: e.BODY_MEMORY_PER_CLIENT_BYTES },
      keepAliveTimeoutMs: e.KEEP_ALIVE_TIMEOUT_MS,
      maxHeaderBytes: e.MAX_HEADER_BYTES,
      trustProxy: trustProxy(e.TRUST_PROXY.trim()),
      rateLimit: {
        perSecond: e.RATE_LIMIT_PER_SECOND,
        failuresPerSecond: e.RATE_LIMIT_FAILURES_PER_SECOND,
        overrides: Object.fromEntries(
          e.RATE_LIMIT_OVERRIDES.map((item) => {
            const [name, limit] = item.split('=');
            return [name!.trim(), Number(limit)];
          }),
        ),
      },
    },
  };
}
