import { Redis } from 'ioredis';
import type { Client } from '@temporalio/client';
import type { AppDeps } from '../../src/app';
import { silentLogger } from '../../src/logger';
import { startReceiver as composeReceiver } from '../../src/receiver';
import { buildSources } from '../../sources';
import { parseAnswer, type WebhookJson } from './answers';
import { testClient, testConfig, uniqueRedisPrefix } from './temporal';

/**
 * For tests that expect a saga started directly (202 with its runId) or make hundreds of sagas on a
 * loaded machine: the admission never queues for latency or in-flight starts, and a start waits on
 * Temporal rather than falling back to the outbox, so the sagas exist when the test looks (the
 * outbox and the admission have tests of their own).
 */
export const DIRECT_STARTS = {
  TEMPORAL_START_TIMEOUT_MS: '15000',
  TEMPORAL_COOLDOWN_MS: '0',
  ADMISSION_LATENCY_BUDGET_MS: '15000',
  ADMISSION_MAX_IN_FLIGHT: '10000',
};

export interface TestReceiver {
  url: string;
  client: Client;
  redis: Redis;
  close: () => Promise<void>;
}

/**
 * The receiver as src/server.ts composes it (src/receiver.ts, with its forwarder) on an ephemeral
 * loopback port, wired to the test Temporal server and the real Redis. `env` configures sources and
 * the task queue exactly as the environment would.
 */
export async function startReceiver(
  env: NodeJS.ProcessEnv,
  overrides: Partial<Pick<AppDeps, 'intake' | 'temporal' | 'tracer'>> = {},
  options: { productionRedis?: boolean } = {},
): Promise<TestReceiver> {
  // Its own Redis keys (ledger, outbox), so test files running side by side never share an outbox.
  const config = testConfig({ REDIS_KEY_PREFIX: uniqueRedisPrefix('receiver'), ...env });
  const { tracer, ...replaced } = overrides;
  // Connected before the first delivery, so no start waits for a lazy connection on a loaded machine.
  const { client, close: closeClient } = await testClient(config);
  // productionRedis: the receiver's own client (short command timeouts), for tests that stall Redis.
  const redis = options.productionRedis ? undefined : new Redis(config.redis.url, { maxRetriesPerRequest: 1 });
  // A start that misses its budget on a loaded machine is queued, and the forwarder drains it, so no
  // test waits on a saga that nothing will start (unless the test brings its own intake).
  const receiver = await composeReceiver({
    config,
    logger: silentLogger(),
    sources: buildSources(env),
    redisWaitMs: 5000,
    listen: { port: 0, host: '127.0.0.1' },
    forwarder: !overrides.intake,
    overrides: { temporal: client, ...replaced },
    ...(redis ? { redis } : {}),
    ...(tracer ? { tracer } : {}),
  });
  return {
    url: receiver.url,
    client,
    redis: receiver.redis,
    async close() {
      await receiver.close();
      await closeClient();
    },
  };
}

/** POSTs raw bytes with the given headers. */
export async function post(url: string, body: Buffer | string, headers: Record<string, string>): Promise<{ status: number; json: WebhookJson; text: string; headers: Headers }> {
  const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  const text = await response.text();
  return { status: response.status, json: parseAnswer<WebhookJson>(text, undefined), text, headers: response.headers };
}
