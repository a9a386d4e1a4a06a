import type { Redis } from 'ioredis';
import { loadConfig } from '../../../src/config';
import type { ForwarderOptions } from '../../../src/intake/forwarder';
import { silentLogger, type Logger } from '../../../src/logger';
import { startReceiver, type Receiver } from '../../../src/receiver';
import { buildSources } from '../../../sources';
import { parseAnswer, type ReadinessJson, type WebhookJson } from '../../support/answers';
import { post } from '../../support/receiver';
import { runRedisPrefix, uniqueRedisPrefix } from '../../support/temporal';

/** A Redis key prefix of its own, so parallel test files never see each other's ledger, outbox or counters. */
export const uniquePrefix = uniqueRedisPrefix;

export type IntakeReceiver = Receiver;

export interface IntakeReceiverOptions {
  /** Environment as an operator would set it (sources, limits, prefix, Temporal address...). */
  env: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Run a forwarder in the receiver, as src/server.ts does (off by default in tests). */
  forwarder?: boolean | Partial<ForwarderOptions>;
}

/** The receiver exactly as src/server.ts composes it (src/receiver.ts), on an ephemeral loopback port. */
export async function startIntakeReceiver({ env, logger = silentLogger(), forwarder }: IntakeReceiverOptions): Promise<IntakeReceiver> {
  const config = loadConfig({
    NODE_ENV: 'test',
    REDIS_URL: process.env.REDIS_URL,
    TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
    REDIS_KEY_PREFIX: `${runRedisPrefix()}shared:`,
    LOG_FORMAT: 'json',
    ...env,
  });
  return startReceiver({ config, logger, sources: buildSources(env), redisWaitMs: 2000, listen: { port: 0, host: '127.0.0.1' }, ...(forwarder ? { forwarder } : {}) });
}

/** Deletes every key under a prefix (test clean-up on the shared Redis). */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

export interface Reply {
  status: number;
  json: WebhookJson;
  headers: Headers;
  ms: number;
}

/** POSTs raw bytes; never throws on an HTTP status. */
export async function postRaw(url: string, body: Buffer | string, headers: Record<string, string>): Promise<Reply> {
  const started = Date.now();
  const { status, json, headers: replyHeaders } = await post(url, body, headers);
  return { status, json, headers: replyHeaders, ms: Date.now() - started };
}

export async function readiness(url: string): Promise<{ status: number; json: ReadinessJson }> {
  const response = await fetch(`${url}/readyz`);
  return { status: response.status, json: parseAnswer<ReadinessJson>(await response.text(), undefined) };
}
