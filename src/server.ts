import { createApp } from './app';
import { loadConfig } from './config';
import { assertNoDevSecrets } from './dev-secrets';
import { createHttpServer, listen } from './http/http-server';
import { buildIntake, forwarderFor } from './intake/index';
import { createRedis, waitForRedis } from './intake/redis';
import { lazyTemporalClient } from './intake/temporal';
import { createLogger } from './logger';
import { buildSources } from '../sources';

/** How long in-flight deliveries get to finish on SIGTERM before their connections are cut. */
const DRAIN_TIMEOUT_MS = 10_000;

/**
 * The receiver process: listens, runs a forwarder for the outbox (unless FORWARDER_IN_PROCESS=false),
 * and on SIGTERM/SIGINT stops accepting, lets in-flight deliveries finish, stops the forwarder (its
 * unacknowledged entries stay in Redis for the next one), then closes its clients.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  assertNoDevSecrets(process.env);
  const logger = createLogger(config, { service: 'receiver' });
  const sources = buildSources(process.env);
  // Lazy: the receiver starts, and queues deliveries, while Temporal is down.
  const tracing = config.tracing.enabled
    ? (await import('./tracing')).createTracing({ serviceName: 'webhook-sagas-receiver', endpoint: config.tracing.endpoint })
    : undefined;
  const { client: temporal, connection } = lazyTemporalClient(config, tracing ? [tracing.plugin] : []);
  const redis = createRedis(config);
  redis.on('error', () => undefined); // outages are logged once by the intake's DependencyState
  if (!(await waitForRedis(redis, 5000))) logger.warn('redis does not answer yet: starting degraded');

  const deps = { config, logger, temporal, redis };
  const intakeParts = buildIntake(deps);
  const stopped = new AbortController();
  const app = createApp({ ...deps, sources, intakeParts, signal: stopped.signal, ...(tracing ? { tracer: tracing.tracer } : {}) });
  const server = createHttpServer(app, config);
  const port = await listen(server, config.http.port, config.http.host);
  logger.info('receiver listening', { url: `http://${config.http.host}:${port}`, sources: [...sources.keys()] });
  const forwarder = config.intake.forwarder.inProcess ? forwarderFor(deps, intakeParts) : undefined;

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return; // Ctrl-C in a terminal, then the supervisor's SIGTERM: drain once
    stopping = true;
    logger.info('shutting down', { signal });
    stopped.abort();
    const cut = setTimeout(() => server.closeAllConnections(), DRAIN_TIMEOUT_MS);
    cut.unref();
    server.close(() => {
      clearTimeout(cut);
      void (async () => {
        await forwarder?.stop();
        await Promise.allSettled([connection.close(), redis.quit(), tracing?.shutdown()]);
        logger.info('receiver stopped');
      })();
    });
    server.closeIdleConnections();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  console.error(JSON.stringify({ level: 'error', message: 'receiver failed to start', error: (err as Error).message }));
  process.exitCode = 1;
});
