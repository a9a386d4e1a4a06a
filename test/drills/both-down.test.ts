import { randomUUID } from 'node:crypto';
import { uniqueTaskQueue } from '../support/temporal';
import { PrivateRedis, PrivateTemporal } from '../intake/support/private-servers';
import { postRaw, readiness, startIntakeReceiver, uniquePrefix, type IntakeReceiver } from '../intake/support/receiver';
import { eventually } from '../support/eventually';
import { headersFor, oneReceiverDrivers, pathFor, type SourceDriver } from '../../sources/sender/drivers';
import { executionsBy } from '../intake/support/temporal-truth';
import type { OutgoingDelivery } from '../../sources/types';

/**
 * Temporal and Redis both down: nothing can make an event durable, so the receiver must say so with
 * a 503 and Retry-After (the vendor retries) and write nothing half-way. After recovery the
 * vendor's retries succeed and each event runs exactly once.
 */
const temporal = new PrivateTemporal('both-down', 7256);
const redis = new PrivateRedis(6392);
const taskQueue = uniqueTaskQueue('both-down');
const { env: sourcesEnv, drivers } = oneReceiverDrivers();
let receiver: IntakeReceiver;

beforeAll(async () => {
  await temporal.destroy();
  await Promise.all([temporal.start(), redis.start()]);
  receiver = await startIntakeReceiver({
    env: {
      ...sourcesEnv,
      TEMPORAL_ADDRESS: temporal.address,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: uniquePrefix('both-down'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      TEMPORAL_START_TIMEOUT_MS: '1000',
      RETRY_AFTER_SECONDS: '20',
      FORWARDER_MAX_BACKOFF_MS: '500',
    },
    forwarder: true,
  });
}, 90_000);

afterAll(async () => {
  await receiver?.close();
  await redis.stop();
  await temporal.destroy();
}, 60_000);

interface Event {
  driver: SourceDriver;
  unsigned: OutgoingDelivery;
  workflowId: string;
}

function event(i: number): Event {
  const driver = drivers[i % drivers.length]!;
  return { driver, ...driver.newEvent(randomUUID(), i) };
}

function deliver({ driver, unsigned }: Event) {
  const message = driver.sign(unsigned);
  return postRaw(`${receiver.url}${pathFor(driver.name, message)}`, message.body, headersFor(message));
}

it('answers 503 + Retry-After while both are down; after recovery the retries succeed and each event runs once', async () => {
  const before = event(0);
  expect((await deliver(before)).status).toBe(202);

  await Promise.all([temporal.stop(), redis.stop()]);
  const during = Array.from({ length: drivers.length }, (_, i) => event(i + 1));
  for (const e of during) {
    const res = await deliver(e);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('20');
    expect(res.json).toEqual({ error: 'temporarily_unavailable' });
    expect(res.ms).toBeLessThan(3000);
  }
  // A repeat of an event Temporal accepted before the outage is still a duplicate: this receiver
  // remembers it (LEDGER_MEMORY_ENTRIES), so the vendor stops retrying it.
  const repeat = await deliver(before);
  expect(repeat.status).toBe(200);
  expect(repeat.json).toEqual({ workflowId: before.workflowId, duplicate: true });
  const down = await readiness(receiver.url);
  expect(down.status).toBe(503);
  expect(down.json).toMatchObject({ status: 'unavailable', checks: { temporal: { ok: false }, redis: { ok: false } } });

  await Promise.all([temporal.start(), redis.start()]);
  const up = await eventually(() => readiness(receiver.url), (r) => r.json.status === 'ready', { timeoutMs: 30_000, everyMs: 500 });
  expect(up.json.status).toBe('ready');
  // Nothing was half-written while both were down: the (fresh) Redis holds no outbox entry.
  expect((await receiver.parts.outbox.stats()).backlog).toBe(0);

  // The vendor retries everything it got a 503 for, twice for good measure.
  for (const e of [...during, before, ...during]) {
    const res = await deliver(e);
    expect([200, 202]).toContain(res.status);
  }
  await eventually(() => receiver.parts.outbox.stats(), (s) => s.backlog === 0 && s.pending === 0, { timeoutMs: 30_000 });

  const all = [before, ...during].map((e) => e.workflowId);
  const executions = await eventually(
    () => executionsBy(receiver.client, `TaskQueue = '${taskQueue}'`),
    (runs) => runs.size >= all.length,
    { timeoutMs: 20_000, everyMs: 500 },
  );
  expect(new Set(executions.keys())).toEqual(new Set(all));
  expect([...executions.values()].every((runs) => runs === 1)).toBe(true);
}, 150_000);
