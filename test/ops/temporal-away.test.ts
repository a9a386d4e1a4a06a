import { deletePrefix, startIntakeReceiver, uniquePrefix, type IntakeReceiver } from '../intake/support/receiver';
import { uniqueTaskQueue } from '../support/temporal';
import { OPS_ENV, call, token } from './support';
import { freePort } from '../support/ports';

/**
 * Temporal away (nothing listens at its address): the console answers 503 with Retry-After and a
 * reason the page and the CLI can show, not a 500 that reads like a bug. Wired as src/server.ts
 * wires it (no gRPC retries), so the answer comes at once.
 */
const prefix = uniquePrefix('ops-temporal-away');
let receiver: IntakeReceiver;

beforeAll(async () => {
  receiver = await startIntakeReceiver({
    env: { ...OPS_ENV, TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`, TEMPORAL_TASK_QUEUE: uniqueTaskQueue('ops-away'), REDIS_KEY_PREFIX: prefix },
  });
});

afterAll(async () => {
  if (receiver) await deletePrefix(receiver.redis, prefix);
  await receiver?.close();
});

it.each(['/sagas?outcome=attention', '/counts', '/sagas/samsara%3Aabc'])('GET %s answers 503 temporal_unavailable with Retry-After', async (path) => {
  const res = await call(`${receiver.url}/ops/api${path}`, token('viewer'));
  expect(res.status).toBe(503);
  expect(res.json).toMatchObject({ error: 'temporal_unavailable' });
  expect(res.headers.get('retry-after')).toBe('5');
});
