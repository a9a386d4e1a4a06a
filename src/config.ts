import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { ConfigError, env, parseEnv } from '../core/env';
import { loadIntakeConfig, type HttpLimitsConfig, type IntakeConfig } from './intake/config';
import { opsConfigFromEnv, type OpsConfig } from './ops/config';
import type { DownstreamConfig } from '../sagas/activities';
import { payloadKeysSchema, type PayloadKey } from './temporal/codec';
import { loadTemporalClientSettings, STANDARD_TEMPORAL_VARIABLES, type TemporalConnectionOptions } from './temporal/connection';

/**
 * The receiver's and worker's configuration: one schema, validated at start-up. Each source reads
 * its own variables (secrets, modes) through its definition in sources/; see .env.example.
 */
const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().default('127.0.0.1'),
  PORT: env.int(3000, 0, 65535),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  BODY_LIMIT: env.bytes(1024 * 1024),

  // TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS*: Temporal's standard client
  // variables and TOML profiles, read by src/temporal/connection.ts.
  TEMPORAL_TASK_QUEUE: z.string().default('webhook-queue'),
  TEMPORAL_UI_URL: env.url('http://127.0.0.1:8233'),
  /** How long a saga start may take before the receiver gives up on Temporal for this request. */
  TEMPORAL_START_TIMEOUT_MS: env.int(2000, 100),
  /** A prebuilt workflow bundle (production images); unset, the worker bundles sagas/ at start-up. */
  WORKFLOW_BUNDLE_PATH: z.string().optional(),
  /** Keys of the payload codec (src/temporal/codec.ts), the first the primary; required in production. */
  PAYLOAD_ENCRYPTION_KEYS: payloadKeysSchema.optional(),
  /** Origins allowed to call the codec endpoint from a browser (the Temporal UI); default: TEMPORAL_UI_URL's. */
  CODEC_CORS_ORIGINS: env.list(),
  /** OpenTelemetry tracing from the request into sagas and activities, exported over OTLP/HTTP. */
  OTEL_TRACING: env.bool(false),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: env.url('http://127.0.0.1:4318/v1/traces'),

  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  /**
   * High availability through Redis Sentinel: the sentinels (`host:port`, comma-separated) that name
   * the primary of the group REDIS_SENTINEL_NAME. REDIS_URL then gives only the credentials and db.
   */
  REDIS_SENTINELS: env
    .list()
    .refine((items) => items.every((item) => /^[^\s:]+:\d{1,5}$/.test(item)), 'expected host:port pairs, e.g. sentinel-0:26379,sentinel-1:26379'),
  REDIS_SENTINEL_NAME: z.string().default('mymaster'),
  REDIS_SENTINEL_PASSWORD: z.string().optional(),
  /**
   * A write a 2xx rests on (an outbox entry, a large payload) counts once this many replicas hold it
   * (Redis WAIT), so a failover cannot lose it; 0 = the primary's word is enough.
   */
  REDIS_WAIT_REPLICAS: env.int(0, 0, 10),
  REDIS_WAIT_TIMEOUT_MS: env.int(250, 1, 10_000),

  /** The worker's /healthz, /readyz and /metrics; 0 turns the server off. */
  WORKER_METRICS_PORT: env.int(9464, 0, 65535),
  /** Worker Versioning: the Worker Deployment this worker is a version of; unset, the worker is unversioned. */
  WORKER_DEPLOYMENT_NAME: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only').optional(),
  /** The version's build ID; default: the one `npm run build` wrote beside the workflow bundle (build-id). */
  WORKER_BUILD_ID: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ., _ and - only').optional(),

  // Downstream APIs the sagas call. Locally these point at the sandbox (npm run dev starts it).
  TURVO_API_URL: env.url('http://127.0.0.1:4010/turvo'),
  TURVO_API_TOKEN: z.string().default(''),
  FRONT_API_URL: env.url('http://127.0.0.1:4010/front'),
  FRONT_API_TOKEN: z.string().default(''),
  SAMSARA_API_URL: env.url('http://127.0.0.1:4010/samsara'),
  SAMSARA_API_TOKEN: z.string().default(''),
  RECORDS_API_URL: env.url('http://127.0.0.1:4010/records'),
  NOTIFY_API_URL: env.url('http://127.0.0.1:4010/notify'),
  NOTIFY_API_TOKEN: z.string().default(''),
  // Outage patience (sagas/clients/http.ts): how long a downstream may stay unavailable (5xx, 408, 409,
  // 429, network, timeout) after a step's first attempt before the saga gives up and compensates.
  // At most a day: the activity policies stop any step after 25 hours whatever happens.
  TURVO_OUTAGE_HORIZON_SECONDS: env.int(3600, 1, 86_400),
  FRONT_OUTAGE_HORIZON_SECONDS: env.int(3600, 1, 86_400),
  SAMSARA_OUTAGE_HORIZON_SECONDS: env.int(3600, 1, 86_400),
  RECORDS_OUTAGE_HORIZON_SECONDS: env.int(3600, 1, 86_400),
  NOTIFY_OUTAGE_HORIZON_SECONDS: env.int(3600, 1, 86_400),
  /** Backoff between tries of an unavailable downstream that sends no Retry-After: doubling from the first, capped. */
  DOWNSTREAM_RETRY_INITIAL_MS: env.int(1000, 10, 600_000),
  DOWNSTREAM_RETRY_MAX_MS: env.int(120_000, 10, 3_600_000),
});

export type Env = z.infer<typeof schema>;

/** Every variable the core configuration reads (each is documented in .env.example). */
export const CONFIG_VARIABLES = [...Object.keys(schema.shape), ...STANDARD_TEMPORAL_VARIABLES];

export interface AppConfig {
  env: Env['NODE_ENV'];
  http: { host: string; port: number; bodyLimit: number };
  log: { level: Env['LOG_LEVEL']; format: 'json' | 'pretty' };
  temporal: {
    address: string;
    namespace: string;
    taskQueue: string;
    uiUrl: string;
    startTimeoutMs: number;
    workflowBundlePath?: string;
    /** Address, TLS, API key: from the standard client config (src/temporal/connection.ts). */
    connection: TemporalConnectionOptions;
    /** Set when old variable names are in use; logged once at start-up. */
    clientWarning?: string;
    /** Payload encryption keys, the first the primary; unset (development, tests) payloads are plain JSON. */
    payloadKeys?: PayloadKey[];
    /** Browser origins the codec endpoint answers (CORS). */
    codecCorsOrigins: string[];
  };
  tracing: { enabled: boolean; endpoint: string };
  redis: {
    url: string;
    /** Set: the primary is found through these sentinels (src/intake/redis.ts). */
    sentinel?: { sentinels: { host: string; port: number }[]; name: string; password?: string };
    /** Replicas that must acknowledge a write a 2xx rests on, and how long to wait for them. */
    waitReplicas: number;
    waitTimeoutMs: number;
  };
  worker: {
    metricsPort: number;
    /** Set when the worker runs as a Worker Deployment Version (src/worker/create-worker.ts). */
    deployment?: { name: string; buildId: string };
  };
  /** Durable intake, ledger, forwarder: src/intake/config.ts. */
  intake: IntakeConfig;
  /** Timeouts, header cap and rate limits against abusive clients: src/intake/config.ts. */
  limits: HttpLimitsConfig;
  downstream: DownstreamConfig;
  /** The on-call console (src/ops): its own OPS_* variables. */
  ops: OpsConfig;
}

function downstreamConfig(e: Env): DownstreamConfig {
  const outage = (horizonSeconds: number) => ({ horizonMs: horizonSeconds * 1000, initialDelayMs: e.DOWNSTREAM_RETRY_INITIAL_MS, maxDelayMs: e.DOWNSTREAM_RETRY_MAX_MS });
  return {
    turvo: { baseUrl: e.TURVO_API_URL, token: e.TURVO_API_TOKEN, outage: outage(e.TURVO_OUTAGE_HORIZON_SECONDS) },
    front: { baseUrl: e.FRONT_API_URL, token: e.FRONT_API_TOKEN, outage: outage(e.FRONT_OUTAGE_HORIZON_SECONDS) },
    samsara: { baseUrl: e.SAMSARA_API_URL, token: e.SAMSARA_API_TOKEN, outage: outage(e.SAMSARA_OUTAGE_HORIZON_SECONDS) },
    records: { baseUrl: e.RECORDS_API_URL, outage: outage(e.RECORDS_OUTAGE_HORIZON_SECONDS) },
    notify: { baseUrl: e.NOTIFY_API_URL, token: e.NOTIFY_API_TOKEN, outage: outage(e.NOTIFY_OUTAGE_HORIZON_SECONDS) },
  };
}

/** Beside the workflow bundle: the build ID `npm run build` derived from what it built (scripts/build-id.ts). */
export const BUILD_ID_FILE = 'build-id';

/** The build ID `npm run build` derives from what it built (scripts/build-id.ts), beside the bundle. */
function builtBuildId(bundlePath: string | undefined): string | undefined {
  const file = bundlePath && join(dirname(bundlePath), BUILD_ID_FILE);
  return file && existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

function workerDeployment(e: Env): { deployment?: { name: string; buildId: string } } {
  if (!e.WORKER_DEPLOYMENT_NAME) return {};
  const buildId = e.WORKER_BUILD_ID ?? builtBuildId(e.WORKFLOW_BUNDLE_PATH);
  if (!buildId) throw new ConfigError('invalid configuration:\n  WORKER_BUILD_ID: required with WORKER_DEPLOYMENT_NAME (or a WORKFLOW_BUNDLE_PATH built by npm run build, with its build-id)');
  return { deployment: { name: e.WORKER_DEPLOYMENT_NAME, buildId } };
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): AppConfig {
  const e = parseEnv(schema, source);
  // Vendor payloads carry personal data: in production they never reach Temporal's history in clear.
  if (e.NODE_ENV === 'production' && !e.PAYLOAD_ENCRYPTION_KEYS) throw new ConfigError('invalid configuration:\n  PAYLOAD_ENCRYPTION_KEYS: required in production');
  const { intake, limits } = loadIntakeConfig(source);
  // WAIT runs as a command of the receiver's client: it must answer before that client gives up.
  if (e.REDIS_WAIT_REPLICAS > 0 && e.REDIS_WAIT_TIMEOUT_MS >= intake.redisCommandTimeoutMs) {
    throw new ConfigError(`REDIS_WAIT_TIMEOUT_MS (${e.REDIS_WAIT_TIMEOUT_MS}) must be below REDIS_COMMAND_TIMEOUT_MS (${intake.redisCommandTimeoutMs})`);
  }
  // A body the limit allows must fit in what one client may hold, and that in what all may.
  const { totalBytes, perClientBytes } = limits.bodyMemory;
  if (perClientBytes < e.BODY_LIMIT || totalBytes < perClientBytes) {
    throw new ConfigError(`BODY_LIMIT (${e.BODY_LIMIT}) ≤ BODY_MEMORY_PER_CLIENT_BYTES (${perClientBytes}) ≤ BODY_MEMORY_BYTES (${totalBytes}) must hold`);
  }
  const client = loadTemporalClientSettings(source);
  return {
    env: e.NODE_ENV,
    http: { host: e.HOST, port: e.PORT, bodyLimit: e.BODY_LIMIT },
    log: {
      level: e.LOG_LEVEL,
      // Readable on a terminal, JSON everywhere else (and always in production).
      format: e.LOG_FORMAT ?? (e.NODE_ENV !== 'production' && process.stdout.isTTY ? 'pretty' : 'json'),
    },
    temporal: {
      address: client.connection.address,
      namespace: client.namespace,
      connection: client.connection,
      ...(client.warning ? { clientWarning: client.warning } : {}),
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      uiUrl: e.TEMPORAL_UI_URL,
      startTimeoutMs: e.TEMPORAL_START_TIMEOUT_MS,
      ...(e.WORKFLOW_BUNDLE_PATH ? { workflowBundlePath: e.WORKFLOW_BUNDLE_PATH } : {}),
      ...(e.PAYLOAD_ENCRYPTION_KEYS ? { payloadKeys: e.PAYLOAD_ENCRYPTION_KEYS } : {}),
      codecCorsOrigins: e.CODEC_CORS_ORIGINS.length ? e.CODEC_CORS_ORIGINS : [new URL(e.TEMPORAL_UI_URL).origin],
    },
    tracing: { enabled: e.OTEL_TRACING, endpoint: e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT },
    redis: {
      url: e.REDIS_URL,
      ...(e.REDIS_SENTINELS.length > 0
        ? {
            sentinel: {
              sentinels: e.REDIS_SENTINELS.map((item) => {
                const at = item.lastIndexOf(':');
                return { host: item.slice(0, at), port: Number(item.slice(at + 1)) };
              }),
              name: e.REDIS_SENTINEL_NAME,
              ...(e.REDIS_SENTINEL_PASSWORD ? { password: e.REDIS_SENTINEL_PASSWORD } : {}),
            },
          }
        : {}),
      waitReplicas: e.REDIS_WAIT_REPLICAS,
      waitTimeoutMs: e.REDIS_WAIT_TIMEOUT_MS,
    },
    worker: { metricsPort: e.WORKER_METRICS_PORT, ...workerDeployment(e) },
    intake,
    limits,
    downstream: downstreamConfig(e),
    ops: opsConfigFromEnv(source),
  };
}
