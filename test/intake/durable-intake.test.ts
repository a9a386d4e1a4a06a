import { randomUUID } from 'node:crypto';
import { signSamsara } from '../../sources/samsara/verify';
import { redisKeys } from '../../src/intake/redis';
import { workflowIdFor } from '../../core/workflow-id';
import { fixtureWith } from '../support/fixtures';
import { uniqueTaskQueue } from '../support/temporal';
import { deletePrefix, postRaw, readiness, startIntakeReceiver, uniquePrefix, type IntakeReceiver } from './support/receiver';
import { eventually } from '../support/eventually';
import { runsOf } from './support/temporal-truth';
import { DIRECT_STARTS } from '../support/receiver';

/**
 * The durable intake against the shared test Temporal server, plus a receiver whose Temporal
 * address answers nothing (port 1): the ledger, the outbox fallback and the forwarder.
 */
const SECRET = Buffer.from('durable-intake-secret').toString('base64');
const prefix = uniquePrefix('durable');
const taskQueue = uniqueTaskQueue('durable');
const env = { SAMSARA_WEBHOOK_SECRETS: SECRET, TEMPORAL_TASK_QUEUE: taskQueue, REDIS_KEY_PREFIX: prefix, TEMPORAL_START_TIMEOUT_MS: '1000' };

let live: IntakeReceiver;
let cutOff: IntakeReceiver;

beforeAll(async () => {
  live = await startIntakeReceiver({ env: { ...env, ...DIRECT_STARTS } });
  // Same Redis prefix, but a Temporal that never answers.
  cutOff = await startIntakeReceiver({ env: { ...env, TEMPORAL_ADDRESS: '127.0.0.1:1' } });
});

afterAll(async () => {
  await deletePrefix(live.redis, prefix);
  await cutOff?.close();
  await live?.close();
});

function arrival(eventId = randomUUID()): Buffer {
  return fixtureWith('samsara', 'route-stop-arrival', { eventId });
}

/** Entries in the outbox stream holding a start of this workflow: Redis's own account. */
async function queuedStartsOf(workflowId: string): Promise<number> {
  const entries = await live.redis.xrange(redisKeys(prefix).outbox, '-', '+');
  return entries.filter(([, fields]) => JSON.parse(fields[fields.indexOf('start') + 1]!).workflowId === workflowId).length;
}

function deliver(receiver: IntakeReceiver, body: Buffer) {
  return postRaw(`${receiver.url}/webhooks/samsara`, body, signSamsara(body, SECRET, Math.floor(Date.now() / 1000)));
}

describe('durable intake', () => {
  it('starts the saga on Temporal and records the run in the ledger', async () => {
    const eventId = randomUUID();
    const res = await deliver(live, arrival(eventId));
    expect(res.status).toBe(202);
    const workflowId = workflowIdFor('samsara', eventId);
    expect(res.json).toEqual({ workflowId, runId: expect.any(String), duplicate: false });
    expect(await live.redis.get(redisKeys(prefix).ledger(workflowId))).toBe(res.json.runId);
    const ttl = await live.redis.ttl(redisKeys(prefix).ledger(workflowId));
    expect(ttl).toBeGreaterThan(29 * 24 * 3600);
  });

  it('answers a repeat from the ledger, without asking Temporal', async () => {
    const body = arrival();
    expect((await deliver(live, body)).status).toBe(202);
    // The cut-off receiver cannot reach Temporal: only the ledger can know this is a duplicate.
    const again = await deliver(cutOff, body);
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ duplicate: true });
    expect(again.ms).toBeLessThan(500);
  });

  it('queues a delivery Temporal does not take, answers 202 queued, and the forwarder starts it exactly once', async () => {
    const eventId = randomUUID();
    const workflowId = workflowIdFor('samsara', eventId);
    const body = arrival(eventId);
    const first = await deliver(cutOff, body);
    expect(first.status).toBe(202);
    expect(first.json).toEqual({ workflowId, queued: true, duplicate: false });
    // The vendor retries anyway: a duplicate of the queued start, which the outbox holds once.
    const repeats = await Promise.all([deliver(cutOff, body), deliver(cutOff, body), deliver(cutOff, body)].map((r) => r.then((x) => [x.status, x.json])));
    expect(repeats).toEqual([0, 1, 2].map(() => [200, { workflowId, duplicate: true }]));
    expect(await runsOf(live.client, workflowId)).toBe(0);
    expect(await queuedStartsOf(workflowId)).toBe(1);

    const receiver = await startIntakeReceiver({ env, forwarder: { claimIdleMs: 500 } });
    try {
      const drained = await eventually(() => receiver.parts.outbox.stats(), (s) => s.backlog === 0, { timeoutMs: 20_000, everyMs: 100 });
      expect(drained).toMatchObject({ backlog: 0, pending: 0 });
      const description = await live.client.workflow.getHandle(workflowId).describe();
      expect(description.taskQueue).toBe(taskQueue);
      expect(await runsOf(live.client, workflowId)).toBe(1);
      expect(await live.redis.get(redisKeys(prefix).ledger(workflowId))).toBe(description.runId);
      // Forwarded: the mark went with the entry, and a repeat is the ledger's duplicate.
      expect(await live.redis.exists(redisKeys(prefix).queuedStart(workflowId))).toBe(0);
      expect((await deliver(cutOff, body)).json).toEqual({ workflowId, duplicate: true });
    } finally {
      await receiver.close();
    }
  });

  it('reports Temporal down as degraded (still ready to take deliveries) with the outbox lag', async () => {
    const ready = await readiness(cutOff.url);
    expect(ready.status).toBe(200);
    expect(ready.json).toMatchObject({
      status: 'degraded',
      degraded: ['temporal'],
      checks: { temporal: { ok: false }, redis: { ok: true } },
      outbox: { backlog: expect.any(Number), pending: expect.any(Number), oldestAgeSeconds: expect.any(Number), deadLetters: 0 },
    });
    const healthy = await readiness(live.url);
    expect(healthy).toMatchObject({ status: 200, json: { status: 'ready' } });
  });
});

describe('forwarder and a start Temporal refuses for good', () => {
  it('moves it (and an unreadable entry) to the dead-letter stream, kept for an operator, instead of retrying forever', async () => {
    const workflowId = `samsara:${'x'.repeat(2000)}`; // over Temporal's workflow ID length limit: INVALID_ARGUMENT
    const meta = { source: 'samsara', eventKey: 'too-long', eventType: 'RouteStopArrival', workflowId, receivedAt: new Date().toISOString() };
    const start = { workflowId, saga: 'samsaraRouteStopSaga', input: { meta, event: {} }, queuedAt: new Date().toISOString() };
    expect(await live.parts.outbox.append(start)).toMatchObject({ appended: true });
    await live.redis.xadd(`${prefix}outbox`, '*', 'start', '{not json'); // and one nobody can read
    const receiver = await startIntakeReceiver({ env, forwarder: { claimIdleMs: 500 } });
    try {
      const drained = await eventually(() => receiver.parts.outbox.stats(), (s) => s.backlog === 0, { timeoutMs: 20_000, everyMs: 100 });
      expect(drained).toMatchObject({ backlog: 0, pending: 0, deadLetters: 2 });
      const dead = await live.redis.xrange(`${prefix}outbox:dead`, '-', '+');
      expect(dead).toHaveLength(2);
      const starts = dead.map(([, fields]) => fields[fields.indexOf('start') + 1]!);
      expect(starts).toContain('{not json');
      expect(JSON.parse(starts.find((start) => start !== '{not json')!)).toMatchObject({ workflowId });
      // Each keeps the innermost cause, not the client's "Failed to start Workflow".
      const causes = dead.map(([, fields]) => ({ cause: fields[fields.indexOf('cause') + 1], causeType: fields[fields.indexOf('causeType') + 1] }));
      expect(causes).toEqual(
        expect.arrayContaining([
          { cause: 'unreadable outbox entry', causeType: 'unreadable' },
          { cause: expect.stringMatching(/WorkflowId exceeds maximum allowed length/), causeType: 'INVALID_ARGUMENT' },
        ]),
      );
      // Dead-lettered, it is no longer queued: its mark points at nothing, and the start can be queued again.
      expect(await live.parts.outbox.append(start)).toMatchObject({ appended: true });
      expect(await eventually(() => receiver.parts.outbox.stats(), (s) => s.deadLetters === 3, { timeoutMs: 20_000, everyMs: 100 })).toMatchObject({ backlog: 0, deadLetters: 3 });
    } finally {
      await receiver.close();
    }
  });
});

describe('forwarders that are gone', () => {
  it('are removed from the consumer group once what they held was claimed; live ones stay', async () => {
    const stream = `${prefix}outbox`;
    await live.parts.outbox.ensureGroup();
    // A forwarder that died idle, and one that died holding an entry (read, never acknowledged).
    await live.redis.xgroup('CREATECONSUMER', stream, 'forwarders', 'gone-idle');
    const eventId = randomUUID();
    const workflowId = workflowIdFor('samsara', eventId);
    const meta = { source: 'samsara', eventKey: eventId, eventType: 'RouteStopArrival', workflowId, receivedAt: new Date().toISOString() };
    await live.parts.outbox.append({ workflowId, saga: 'samsaraRouteStopSaga', input: { meta, event: {} }, queuedAt: new Date().toISOString() });
    await live.redis.xreadgroup('GROUP', 'forwarders', 'gone-holding', 'COUNT', 10, 'STREAMS', stream, '>');
    await new Promise((r) => setTimeout(r, 600));

    const receiver = await startIntakeReceiver({ env, forwarder: { claimIdleMs: 300, consumerGoneMs: 500, consumer: 'alive' } });
    try {
      const consumers = async () => ((await live.redis.xinfo('CONSUMERS', stream, 'forwarders')) as unknown[][]).map((row) => String(row[1]));
      const left = await eventually(consumers, (names) => names.length === 1, { timeoutMs: 15_000 });
      expect(left).toEqual(['alive']);
      // The entry the gone forwarder held was claimed and started, not dropped with its consumer
      // (claimed first, started just after: the consumers can be tidied before the start returns).
      const started = await eventually(
        () => live.client.workflow.getHandle(workflowId).describe().then((d) => d.type, () => undefined),
        (type) => type !== undefined,
        { timeoutMs: 15_000 },
      );
      expect(started).toBe('samsaraRouteStopSaga');
    } finally {
      await receiver.close();
    }
  });
});
