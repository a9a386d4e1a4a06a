import type { Server } from 'node:http';
import type { Tracer } from '@opentelemetry/api';
import type { Client, ClientPlugin, Connection } from '@temporalio/client';
import type { Redis } from 'ioredis';
import { createApp, type AppDeps } from './app';
import type { AppConfig } from './config';
import { createHttpServer, listen } from './http/http-server';
import type { Forwarder, ForwarderOptions } from './intake/forwarder';
import { buildIntake, forwarderFor, type IntakeParts } from './intake/index';
import { createRedis, waitForRedis } from './intake/redis';
import { lazyTemporalClient } from './intake/temporal';
import type { Logger } from './logger';
import type { SourceAdapter } from '../sources/types';

export interface ReceiverOptions {
  config: AppConfig;
  logger: Logger;
  sources: ReadonlyMap<string, SourceAdapter>;
  /** How long to wait for Redis before listening anyway (degraded: deliveries go to Temporal only). */
  redisWaitMs: number;
  /** Where to listen; the config's host and port by default. */
  listen?: { port: number; host: string };
  /** Client plugins (tracing) for the lazy Temporal client. */
  plugins?: ClientPlugin[];
  tracer?: Tracer;
  /** Run a forwarder for the outbox in this process (src/server.ts: FORWARDER_IN_PROCESS). */
  forwarder?: boolean | Partial<ForwarderOptions>;
  /** The Redis client; the receiver's own (short command timeouts) by default. */
  redis?: Redis;
  /** Replace parts of the app (tests: another intake or Temporal client). */
  overrides?: Partial<Pick<AppDeps, 'intake' | 'temporal'>>;
}

export interface Receiver {
  url: string;
  server: Server;
  config: AppConfig;
  /** The Temporal client the intake starts sagas with. */
  client: Client;
  connection: Connection;
  redis: Redis;
  parts: IntakeParts;
  forwarder?: Forwarder;
  /** Shutdown began: aborts the app's signal, so background work (the console's bulk replays) hands over. */
  stopping(): void;
  /** After the HTTP server closed: stops the forwarder (its unacknowledged entries stay in Redis) and closes the clients. */
  closeClients(): Promise<void>;
  /** Cuts every connection, closes the server, then the clients without waiting on them (tests). */
  close(): Promise<void>;
}

/**
 * The receiver composed once: a lazy Temporal client (it starts, and queues deliveries, while Temporal
 * is down), a fast-failing Redis client, the durable intake, the app, the hardened HTTP server and,
 * when asked, the outbox forwarder. src/server.ts runs it as a process; the tests run the same wiring.
 */
export async function startReceiver(options: ReceiverOptions): Promise<Receiver> {
  const { config, logger, sources } = options;
  const { client: lazyClient, connection } = lazyTemporalClient(config, options.plugins ?? []);
  const temporal = options.overrides?.temporal ?? lazyClient;
  const redis = options.redis ?? createRedis(config);
  redis.on('error', () => undefined); // outages are logged once by the intake's DependencyState
  if (!(await waitForRedis(redis, options.redisWaitMs))) logger.warn('redis does not answer yet: starting degraded');

  const deps = { config, logger, temporal, redis };
  const parts = buildIntake(deps);
  const stopped = new AbortController();
  const app = createApp({ ...deps, sources, intakeParts: parts, signal: stopped.signal, ...(options.tracer ? { tracer: options.tracer } : {}), ...(options.overrides?.intake ? { intake: options.overrides.intake } : {}) });
  const server = createHttpServer(app, config);
  const where = options.listen ?? { port: config.http.port, host: config.http.host };
  const port = await listen(server, where.port, where.host);
  const forwarder = options.forwarder ? forwarderFor(deps, parts, options.forwarder === true ? {} : options.forwarder) : undefined;

  const closeClients = async () => {
    await forwarder?.stop();
    await Promise.allSettled([connection.close(), redis.quit()]);
  };
  return {
    url: `http://${where.host}:${port}`,
    server,
    config,
    client: temporal,
    connection,
    redis,
    parts,
    ...(forwarder ? { forwarder } : {}),
    stopping: () => stopped.abort(),
    closeClients,
    async close() {
      stopped.abort();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await forwarder?.stop();
      // Not quit: a test may have stopped Redis, and disconnect does not wait for an answer.
      redis.disconnect();
      await connection.close().catch(() => undefined);
    },
  };
}
