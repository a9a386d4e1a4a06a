import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Redis } from 'ioredis';
import type { Client } from '@temporalio/client';
import { createApp, type AppDeps } from '../../src/app';
import { buildIntake, forwarderFor } from '../../src/intake/index';
import { createRedis, waitForRedis } from '../../src/intake/redis';
import { silentLogger } from '../../src/logger';
import { buildSources } from '../../sources';
import { testClient, testConfig, uniqueRedisPrefix } from './temporal';

export interface TestReceiver {
  url: string;
  client: Client;
  redis: Redis;
  close: () => Promise<void>;
}

/**
 * The real receiver app on an ephemeral loopback port, wired to the test Temporal server and the
 * real Redis. `env` configures sources and the task queue exactly as the environment would.
 */
export async function startReceiver(env: NodeJS.ProcessEnv, overrides: Partial<AppDeps> = {}, options: { productionRedis?: boolean } = {}): Promise<TestReceiver> {
  // Its own Redis keys (ledger, outbox), so test files running side by side never share an outbox.
  const config = testConfig({ REDIS_KEY_PREFIX: uniqueRedisPrefix('receiver'), ...env });
  const { client, close: closeClient } = await testClient();
  // productionRedis: the receiver's own client (short command timeouts), for tests that stall Redis.
  const redis = options.productionRedis ? createRedis(config) : new Redis(config.redis.url, { maxRetriesPerRequest: 1 });
  if (options.productionRedis) {
    redis.on('error', () => undefined);
    await waitForRedis(redis, 5000);
  }
  const stopped = new AbortController();
  const logger = silentLogger();
  const deps = { config, logger, temporal: overrides.temporal ?? client, redis };
  // As in src/server.ts: a start that misses its budget on a loaded machine is queued, and a
  // forwarder drains it, so no test waits on a saga that nothing will start.
  const intakeParts = buildIntake(deps);
  const forwarder = overrides.intake ? undefined : forwarderFor(deps, intakeParts);
  const app = createApp({ ...deps, sources: buildSources(env), intakeParts, signal: stopped.signal, ...overrides });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    client,
    redis,
    async close() {
      stopped.abort();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await forwarder?.stop();
      redis.disconnect();
      await closeClient();
    },
  };
}

/** POSTs raw bytes with the given headers. */
export async function post(url: string, body: Buffer | string, headers: Record<string, string>): Promise<{ status: number; json: any; text: string; headers: Headers }> {
  const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text, headers: response.headers };
}
