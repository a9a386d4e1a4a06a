import { randomUUID } from 'node:crypto';
import { uniqueTaskQueue } from '../support/temporal';
import { capturingLogger } from '../intake/support/logs';
import { PrivateRedis } from '../intake/support/private-servers';
import { postRaw, readiness, startIntakeReceiver, uniquePrefix, type IntakeReceiver } from '../intake/support/receiver';
import { eventually } from '../support/eventually';
import { headersFor, oneReceiverDrivers, pathFor, type SourceDriver } from '../../sources/sender/drivers';
import { runsOf } from '../intake/support/temporal-truth';
import type { OutgoingDelivery } from '../../sources/types';
import { DIRECT_STARTS } from '../support/receiver';

/**
 * Redis (ledger, outbox, payloads, rate-limit counters) goes away; Temporal stays. Deliveries must
 * still start sagas straight on Temporal, repeats must still be recognised (by Temporal's own
 * workflow-ID check), answers must stay fast, and readiness must say "degraded".
 */
const redis = new PrivateRedis(6391);
const { env: sourcesEnv, drivers } = oneReceiverDrivers();
const log = capturingLogger();
let receiver: IntakeReceiver;

beforeAll(async () => {
  await redis.start();
  receiver = await startIntakeReceiver({
    env: { ...sourcesEnv, REDIS_URL: redis.url, REDIS_KEY_PREFIX: uniquePrefix('redis-down'), TEMPORAL_TASK_QUEUE: uniqueTaskQueue('redis-down'), ...DIRECT_STARTS },
    logger: log.logger,
  });
});

afterAll(async () => {
  await receiver?.close();
  await redis.stop();
});

function event(i: number): { driver: SourceDriver; unsigned: OutgoingDelivery; workflowId: string } {
  const driver = drivers[i % drivers.length]!;
  return { driver, ...driver.newEvent(randomUUID(), i) };
}

function deliver({ driver, unsigned }: { driver: SourceDriver; unsigned: OutgoingDelivery }) {
  const message = driver.sign(unsigned);
  return postRaw(`${receiver.url}${pathFor(driver.name, message)}`, message.body, headersFor(message));
}

/** Runs of a workflow ID per Temporal's visibility (eventually consistent: waits for the first to show). */
const oneRun = (workflowId: string) => eventually(() => runsOf(receiver.client, workflowId), (n) => n >= 1, { timeoutMs: 10_000 });

const degradedLogs = () => log.entries().filter((e) => e.message === 'redis unavailable: running degraded');

describe('with Redis down', () => {
  const before = event(0);

  beforeAll(async () => {
    expect((await deliver(before)).status).toBe(202);
    expect((await readiness(receiver.url)).json.status).toBe('ready');
    await redis.stop();
  });

  it('still starts sagas straight on Temporal, for every source, and answers fast', async () => {
    for (let i = 1; i <= drivers.length; i++) {
      const e = event(i);
      const res = await deliver(e);
      expect(res.status).toBe(202);
      expect(res.json).toEqual({ workflowId: e.workflowId, runId: expect.any(String), duplicate: false });
      expect(res.ms).toBeLessThan(1000);
      expect(await oneRun(e.workflowId)).toBe(1);
    }
  });

  it('still answers repeats as duplicates, through Temporal, and starts nothing twice', async () => {
    const fresh = event(10);
    expect((await deliver(fresh)).status).toBe(202);
    for (const e of [fresh, before]) {
      const again = await deliver(e);
      expect(again.status).toBe(200);
      expect(again.json).toEqual({ workflowId: e.workflowId, duplicate: true });
      expect(await oneRun(e.workflowId)).toBe(1);
    }
  });

  it('lets concurrent first deliveries race safely without the ledger', async () => {
    const e = event(20);
    const results = await Promise.all(Array.from({ length: 10 }, () => deliver(e)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 202]);
    expect(await oneRun(e.workflowId)).toBe(1);
  });

  it('reports degraded (still in rotation) and logs the degradation once, not per delivery', async () => {
    const ready = await readiness(receiver.url);
    expect(ready.status).toBe(200);
    expect(ready.json).toMatchObject({ status: 'degraded', degraded: ['redis'], checks: { redis: { ok: false }, temporal: { ok: true } } });
    expect(degradedLogs()).toHaveLength(1);
  });

  it('recovers on its own when Redis is back: ready again, the ledger written again', async () => {
    await redis.start();
    const ready = await eventually(() => readiness(receiver.url), (r) => r.json.status === 'ready', { timeoutMs: 15_000 });
    expect(ready.json.status).toBe('ready');
    const e = event(30);
    const res = await deliver(e);
    expect(res.status).toBe(202);
    expect(await receiver.parts.ledger.find(e.workflowId)).toBe(res.json.runId);
    expect(log.entries().some((entry) => entry.message === 'redis available again')).toBe(true);
  });
});
