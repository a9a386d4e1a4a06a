import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { DATA_DIR, ensureRedis } from '../../scripts/lib/stack';
import { freePort } from '../support/ports';

/** A Redis the project's scripts start keeps what it acknowledged: append-only file, fsync every second. */

describe('ensureRedis', () => {
  it('starts redis-server with appendonly yes and appendfsync everysec, in a directory of its own', async () => {
    const port = await freePort();
    await ensureRedis(`redis://127.0.0.1:${port}`);
    const redis = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
    try {
      expect(await redis.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      expect(await redis.config('GET', 'appendfsync')).toEqual(['appendfsync', 'everysec']);
      expect(await redis.config('GET', 'dir')).toEqual(['dir', join(DATA_DIR, 'redis', String(port))]);
    } finally {
      await redis.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
      redis.disconnect();
      rmSync(join(DATA_DIR, 'redis', String(port)), { recursive: true, force: true });
    }
  });
});
