import type { Redis } from 'ioredis';
import { RateLimitedError } from '../../core/errors';
import type { DependencyState } from '../intake/health-state';
import { luaScript, redisKeys } from '../intake/redis';

export interface DeliveryBudgetOptions {
  redis: Redis;
  prefix: string;
  /** Verified deliveries per second per source; 0 = no limit. */
  perSecond: number;
  overrides: Readonly<Record<string, number>>;
  /** Requests per second per source and client address that may fail verification; 0 = no limit. */
  failuresPerSecond: number;
  /** Only these sources are counted: a flood on unknown names costs a map lookup, not a Redis call. */
  sources: ReadonlySet<string>;
  state?: DependencyState;
}

/** A window's counter outlives its second by one, for receivers whose clocks are a little apart. */
const WINDOW_TTL_SECONDS = 2;

/** Counts a request in its window and gives the count, in one command (atomic: a counter never lives on without its expiry). */
const countInWindow = luaScript("local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end return n");

/**
 * Two budgets per source, over one-second windows counted in Redis so that they hold across every
 * receiver process (while Redis is down each process counts on its own):
 * - the vendor's budget counts only deliveries whose signature held, after verification, so a flood
 *   of forgeries never gets the vendor's genuine deliveries answered 429;
 * - a failure budget per client address counts requests that failed verification. Once a client is
 *   over it, the rest of its requests in that second are refused before their body is read or
 *   verified, from memory: forgeries are cut off cheaply, and only the client that sent them.
 * Vendors retry a 429 after Retry-After.
 */
export function deliveryBudgets({ redis, prefix, perSecond, overrides, failuresPerSecond, sources, state }: DeliveryBudgetOptions) {
  const keys = redisKeys(prefix);
  const local = new Map<string, { window: number; count: number }>();
  /** source + client → the window in which it went over its failure budget. */
  const cutOff = new Map<string, number>();
  let cutOffWindow = 0;

  const windowOf = (now: number) => Math.floor(now / 1000);
  const retryAfter = (now: number) => Math.max(1, Math.ceil(((windowOf(now) + 1) * 1000 - now) / 1000));

  function countLocally(key: string, window: number): number {
    const entry = local.get(key);
    if (!entry || entry.window !== window) {
      local.set(key, { window, count: 1 });
      return 1;
    }
    return ++entry.count;
  }

  async function count(key: string, window: number): Promise<number> {
    try {
      const value = await countInWindow(redis, [key], [WINDOW_TTL_SECONDS]);
      state?.recovered('redis');
      return Number(value);
    } catch (err) {
      state?.failed('redis', err, 'rate limits are counted per process');
      return countLocally(key, window);
    }
  }

  return {
    /** Before the body is read: refuses a client already over its failure budget this second (memory only). */
    admit(source: string, client: string): void {
      const now = Date.now();
      if (cutOff.get(`${source} ${client}`) === windowOf(now)) throw new RateLimitedError(retryAfter(now), 'too_many_failures');
    },

    /** The request failed before or during verification: it counts against its client's failure budget. */
    async failed(source: string, client: string): Promise<void> {
      if (failuresPerSecond <= 0 || !sources.has(source)) return;
      const now = Date.now();
      const window = windowOf(now);
      // Entries of past windows are worthless: forget them all at once, so many addresses cannot grow the map.
      if (window !== cutOffWindow) {
        cutOff.clear();
        cutOffWindow = window;
      }
      if ((await count(keys.failureLimit(source, client, window), window)) > failuresPerSecond) cutOff.set(`${source} ${client}`, window);
    },

    /** The signature held: the delivery counts against the source's budget; over it, 429. */
    async verified(source: string): Promise<void> {
      // Own properties only: an endpoint may be named `constructor`.
      const limit = Object.hasOwn(overrides, source) ? overrides[source]! : perSecond;
      if (limit <= 0 || !sources.has(source)) return;
      const now = Date.now();
      const window = windowOf(now);
      if ((await count(keys.rateLimit(source, window), window)) > limit) throw new RateLimitedError(retryAfter(now));
    },
  };
}

export type DeliveryBudgets = ReturnType<typeof deliveryBudgets>;
