import { z } from 'zod';
import { env, parseEnv } from '../core/env';
import { createLogger } from '../src/logger';
import { createSandbox } from './app';

/**
 * The downstream sandbox's entry (scripts/dev.ts starts it; `SANDBOX=off` skips it). Listens on
 * 127.0.0.1 only and refuses to start in production: production config points at the real APIs.
 */
const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  SANDBOX_PORT: env.int(4010, 0, 65535),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
});

async function main(): Promise<void> {
  const e = parseEnv(schema, process.env);
  const logger = createLogger({ log: { level: e.LOG_LEVEL, format: e.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json') } }, { service: 'sandbox' });
  const { app } = createSandbox({ nodeEnv: e.NODE_ENV });
  const server = app.listen(e.SANDBOX_PORT, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : e.SANDBOX_PORT;
  logger.info('downstream sandbox listening (development aid)', { url: `http://127.0.0.1:${port}`, inspect: `http://127.0.0.1:${port}/_sandbox/requests` });

  const shutdown = () => {
    server.close(() => logger.info('sandbox stopped'));
    server.closeAllConnections();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((err) => {
  console.error(JSON.stringify({ level: 'error', message: 'sandbox failed to start', error: (err as Error).message }));
  process.exitCode = 1;
});
