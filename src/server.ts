import { loadConfig } from './config';
import { assertNoDevSecrets } from './dev-secrets';
import { createLogger } from './logger';
import { startReceiver } from './receiver';
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
  if (config.temporal.clientWarning) logger.warn(config.temporal.clientWarning);
  const sources = buildSources(process.env);
  const tracing = config.tracing.enabled
    ? (await import('./tracing')).createTracing({ serviceName: 'webhook-sagas-receiver', endpoint: config.tracing.endpoint })
    : undefined;
  const receiver = await startReceiver({
    config,
    logger,
    sources,
    redisWaitMs: 5000,
    forwarder: config.intake.forwarder.inProcess,
    ...(tracing ? { plugins: [tracing.plugin], tracer: tracing.tracer } : {}),
  });
  const { server } = receiver;
  logger.info('receiver listening', { url: receiver.url, sources: [...sources.keys()] });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return; // Ctrl-C in a terminal, then the supervisor's SIGTERM: drain once
    stopping = true;
    logger.info('shutting down', { signal });
    receiver.stopping();
    const cut = setTimeout(() => server.closeAllConnections(), DRAIN_TIMEOUT_MS);
    cut.unref();
    server.close(() => {
      clearTimeout(cut);
      void (async () => {
        await receiver.closeClients();
        await tracing?.shutdown();
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
