import { rmSync } from 'node:fs';
import { Redis } from 'ioredis';
import { TEST_TEMPORAL, stopTemporal } from '../scripts/lib/stack';

/**
 * Deletes every Redis key this run wrote (all under TEST_REDIS_PREFIX, see test/support/temporal.ts),
 * so the developer's Redis is left as it was; stops the Temporal server the setup started (set
 * KEEP_TEMPORAL=1 to keep it for the next run).
 */
export default async function globalTeardown(): Promise<void> {
  if (process.env.TEST_WORKFLOW_BUNDLE) rmSync(process.env.TEST_WORKFLOW_BUNDLE, { force: true });
  await deleteRunKeys(process.env.TEST_REDIS_PREFIX);
  const started = (globalThis as { __startedTemporal?: boolean }).__startedTemporal;
  if (started && process.env.KEEP_TEMPORAL !== '1') await stopTemporal(TEST_TEMPORAL);
}

async function deleteRunKeys(prefix: string | undefined): Promise<void> {
  // Never a bare `test:`: other runs (another terminal, another engineer) may be using their keys.
  if (!prefix || !prefix.startsWith('test:run-')) return;
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
