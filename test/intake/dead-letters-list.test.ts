import { Redis } from 'ioredis';
import { DeadLetters, UNREADABLE } from '../../src/intake/dead-letters';
import { silentLogger } from '../../src/logger';
import { deletePrefix, uniquePrefix } from './support/receiver';

/**
 * The dead-letter list is read while forwarders keep adding letters: its `total` and its items must
 * describe the same moment, or a poller waiting for "total = n" stops with fewer than n items.
 */
const prefix = uniquePrefix('dead-letter-list');
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
const letters = new DeadLetters(redis, prefix, 10_000, silentLogger());

afterAll(async () => {
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

it('reads the total and the items of the list at one moment while letters are being added', async () => {
  let adding = true;
  const writer = (async () => {
    for (let i = 0; adding && i < 2000; i++) await letters.add({ id: `${i + 1}-0`, start: undefined, fields: ['start', 'not json'] }, UNREADABLE);
  })();
  const seen: Array<[number, number]> = [];
  for (let i = 0; i < 200; i++) {
    const { total, items } = await letters.list({}, 10_000);
    seen.push([total, items.length]);
  }
  adding = false;
  await writer;
  expect(seen.filter(([total, listed]) => total !== listed)).toEqual([]);
  // The writer did add letters during the reads, so the check above was exercised.
  expect(new Set(seen.map(([total]) => total)).size).toBeGreaterThan(10);
});
