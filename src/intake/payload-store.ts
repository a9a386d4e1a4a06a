import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { PayloadStore } from '../../core/saga/input';
import { redisKeys, waitForReplicas, type ReplicaWait } from './redis';
import { sealer as noSealing, type Sealer } from './sealing';

export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * `wait`: replicas that must hold a stored payload before a saga is started with its reference (the
 * receiver's). `sealing`: the bytes are kept encrypted; the key is the plain content's SHA-256.
 */
export function redisPayloadStore(redis: Redis, options: { prefix: string; ttlSeconds: number; wait?: ReplicaWait; sealing?: Sealer }): PayloadStore {
  const keys = redisKeys(options.prefix);
  const sealing = options.sealing ?? noSealing(undefined);
  return {
    name: 'redis',
    async put(bytes) {
      const sha256 = sha256Hex(bytes);
      await redis.set(keys.payload(sha256), sealing.seal(bytes), 'EX', options.ttlSeconds);
      if (options.wait) await waitForReplicas(redis, options.wait);
      return { store: 'redis', key: sha256, bytes: bytes.length, sha256 };
    },
    async get(ref) {
      const stored = await redis.getBuffer(keys.payload(ref.key));
      if (!stored) return undefined;
      const bytes = sealing.open(stored);
      if (sha256Hex(bytes) !== ref.sha256) throw new Error(`payload ${ref.key} does not match its checksum`);
      return bytes;
    },
  };
}
