import { Client, Connection } from '@temporalio/client';
import { Redis } from 'ioredis';
import { createApp } from './app';
import { loadConfig } from './config';
import { assertNoDevSecrets } from './dev-secrets';
import { createLogger } from './logger';
import { buildSources } from '../sources';

/** The receiver process: listens, and on SIGTERM/SIGINT stops accepting, drains, then closes its clients. */
async function main(): Promise<void> {
  const config = loadConfig();
  assertNoDevSecrets(process.env);
  const logger = createLogger(config, { service: 'receiver' });
  const sources = buildSources(process.env);
  const connection = await Connection.connect({ address: config.temporal.address });
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
  redis.on('error', (err) => logger.warn('redis error', { error: err.message }));

  const app = createApp({ config, logger, temporal, redis, sources });
  const server = app.listen(config.http.port, config.http.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  logger.info('receiver listening', { url: `http://${config.http.host}:${port}`, sources: [...sources.keys()] });

  const shutdown = (signal: string) => {
    logger.info('shutting down', { signal });
    server.close(() => {
      void Promise.allSettled([connection.close(), redis.quit()]).then(() => logger.info('receiver stopped'));
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
