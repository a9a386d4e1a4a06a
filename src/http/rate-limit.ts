import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { RateLimitedError } from '../../core/errors';
import type { DependencyState } from '../intake/health-state';
import { redisKeys } from '../intake/redis';

export interface RateLimitOptions {
  redis: Redis;
  prefix: string;
  /** Deliveries per second per source; 0 = no limit. */
  perSecond: number;
  overrides: Readonly<Record<string, number>>;
  /** Only these sources are counted: a flood on unknown names costs a map lookup, not a Redis call. */
  sources: ReadonlySet<string>;
  state?: DependencyState;
}

/**
 * Per-source limit over one-second windows, counted in Redis so that it holds across every
 * receiver process. It runs before the body is read or verified: a flood of forged deliveries
 * must not cost a hash each. Vendors retry a 429 after Retry-After. While Redis is down each process
 * counts on its own, so the limit still holds per process.
 */
export function rateLimit({ redis, prefix, perSecond, overrides, sources, state }: RateLimitOptions): RequestHandler {
  const keys = redisKeys(prefix);
  const local = new Map<string, { window: number; count: number }>();

  function countLocally(source: string, window: number): number {
    const entry = local.get(source);
    if (!entry || entry.window !== window) {
      local.set(source, { window, count: 1 });
      return 1;
    }
    return ++entry.count;
  }

  async function count(source: string, window: number): Promise<number> {
    try {
      const key = keys.rateLimit(source, window);
      const results = await redis.multi().incr(key).expire(key, 2).exec();
      const [err, value] = results?.[0] ?? [new Error('redis transaction aborted')];
      if (err) throw err;
      state?.recovered('redis');
      return Number(value);
    } catch (err) {
      state?.failed('redis', err, 'rate limits are counted per process');
      return countLocally(source, window);
    }
  }

  return async (req, _res, next) => {
    const source = String(req.params.source);
    const limit = overrides[source] ?? perSecond;
    if (limit <= 0 || !sources.has(source)) return next();
    const now = Date.now();
    const window = Math.floor(now / 1000);
    if ((await count(source, window)) > limit) {
      throw new RateLimitedError(Math.max(1, Math.ceil(((window + 1) * 1000 - now) / 1000)));
    }
    next();
  };
}
