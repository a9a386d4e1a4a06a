import { randomUUID } from 'node:crypto';
import { createActivities, createClients } from '../../sagas/activities';
import { signSamsara } from '../../sources/samsara/verify';
import { workflowIdFor } from '../../core/workflow-id';
import { fixture, fixtureWith } from '../support/fixtures';
import { DIRECT_STARTS, post, startReceiver, type TestReceiver } from '../support/receiver';
import { startSandbox, type RunningSandbox } from '../support/sandbox';
import { startTestWorker, testConfig, uniqueTaskQueue, type TestWorker } from '../support/temporal';
import { eventually } from '../support/eventually';

const SECRET = Buffer.from('samsara-e2e-secret').toString('base64');
const taskQueue = uniqueTaskQueue('webhooks');

let receiver: TestReceiver;
let worker: TestWorker;
let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startSandbox();
  const env = { ...sandbox.env, ...DIRECT_STARTS, SAMSARA_WEBHOOK_SECRETS: SECRET, TEMPORAL_TASK_QUEUE: taskQueue, BODY_LIMIT: '64kb' };
  receiver = await startReceiver(env);
  const config = testConfig(env);
  worker = await startTestWorker({ taskQueue, activities: createActivities(createClients(config.downstream)), config });
});

afterAll(async () => {
  await worker?.stop();
  await receiver?.close();
  await sandbox?.close();
});

function arrival(eventId = randomUUID()): Buffer {
  return fixtureWith('samsara', 'route-stop-arrival', { eventId });
}

function send(body: Buffer, { timestamp = Math.floor(Date.now() / 1000), secret = SECRET, headers = {} as Record<string, string> } = {}) {
  return post(`${receiver.url}/webhooks/samsara`, body, { ...signSamsara(body, secret, timestamp), 'x-samsara-request': randomUUID(), ...headers });
}

/** Runs of a workflow ID, counted by Temporal's visibility, not by anything of ours. */
async function runsOf(workflowId: string): Promise<number> {
  let count = 0;
  for await (const _ of receiver.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) count++;
  return count;
}

async function eventuallyRuns(workflowId: string, expected: number): Promise<void> {
  expect(await eventually(() => runsOf(workflowId), (n) => n === expected, { timeoutMs: 10_000 })).toBe(expected);
}

describe('POST /webhooks/samsara on a real Temporal server', () => {
  it('starts a saga that completes, with the search attributes and memo set', async () => {
    const eventId = randomUUID();
    const res = await send(arrival(eventId));
    expect(res.status).toBe(202);
    const workflowId = workflowIdFor('samsara', eventId);
    expect(res.json).toEqual({ workflowId, runId: expect.any(String), duplicate: false });

    const handle = receiver.client.workflow.getHandle(workflowId);
    await expect(handle.result()).resolves.toMatchObject({ shipmentId: '98765', stopId: 'STOP-2', commentId: expect.stringMatching(/^com_/) });
    const description = await handle.describe();
    expect(description.status.name).toBe('COMPLETED');
    expect(description.searchAttributes).toMatchObject({ WebhookSource: ['samsara'], EventKey: [eventId], EventType: ['RouteStopArrival'] });
    const memo = description.memo as { delivery: Record<string, unknown> };
    expect(memo.delivery).toMatchObject({ source: 'samsara', eventKey: eventId, deliveryId: expect.any(String) });
    expect(JSON.stringify(memo)).not.toContain(SECRET);

    const calls = sandbox.requests().filter((r) => r.idempotencyKey?.startsWith(workflowId));
    expect(calls.map((r) => `${r.method} /${r.service}${r.path} ${r.status}`)).toEqual([
      'PUT /turvo/shipments/98765/stops/STOP-2/status 200',
      'POST /front/conversations/cnv_55c8c149/comments 201',
      'POST /notify/messages 202',
    ]);
  });

  it('gives exactly one workflow execution for the same event delivered 25 times concurrently', async () => {
    const body = arrival();
    const eventId = JSON.parse(body.toString()).eventId as string;
    const results = await Promise.all(Array.from({ length: 25 }, () => send(body)));
    const statuses = results.map((r) => r.status);
    expect(statuses.every((s) => s >= 200 && s < 300)).toBe(true);
    expect(statuses.filter((s) => s === 202)).toHaveLength(1);
    expect(results.filter((r) => r.json.duplicate === true)).toHaveLength(24);
    const workflowId = workflowIdFor('samsara', eventId);
    await receiver.client.workflow.getHandle(workflowId).result();
    await eventuallyRuns(workflowId, 1);
  });

  it('answers a redelivery after the saga completed as a duplicate, without a second run', async () => {
    const body = arrival();
    const first = await send(body);
    expect(first.status).toBe(202);
    await receiver.client.workflow.getHandle(first.json.workflowId).result();
    const again = await send(body);
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ workflowId: first.json.workflowId, duplicate: true });
    await eventuallyRuns(first.json.workflowId, 1);
  });

  it('refuses a tampered body with 401 and starts nothing', async () => {
    const eventId = randomUUID();
    const body = arrival(eventId);
    const headers = signSamsara(body, SECRET, Math.floor(Date.now() / 1000));
    const tampered = Buffer.from(body.toString().replace('Truck 14', 'Truck 41'));
    const res = await post(`${receiver.url}/webhooks/samsara`, tampered, headers);
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ error: 'signature_mismatch' });
    await eventuallyRuns(workflowIdFor('samsara', eventId), 0);
  });

  it('refuses a stale timestamp with 401', async () => {
    const res = await send(arrival(), { timestamp: Math.floor(Date.now() / 1000) - 3600 });
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ error: 'timestamp_too_old' });
  });

  it('refuses a body over the limit with 413', async () => {
    const big = Buffer.from(JSON.stringify({ eventId: randomUUID(), eventType: 'RouteStopArrival', data: { pad: 'x'.repeat(70 * 1024) } }));
    const res = await send(big);
    expect(res.status).toBe(413);
    expect(res.json).toEqual({ error: 'body_too_large' });
  });

  it('answers 400 for malformed JSON carrying a valid signature', async () => {
    const res = await send(Buffer.from('{"eventId": "abc", "eventType": '));
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: 'malformed_json' });
  });

  it('answers 400 for a signed body without an eventId', async () => {
    const res = await send(Buffer.from(JSON.stringify({ eventType: 'RouteStopArrival', data: {} })));
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: 'missing_eventId' });
  });

  it('answers 404 for an unknown source', async () => {
    const body = arrival();
    const res = await post(`${receiver.url}/webhooks/nobody`, body, signSamsara(body, SECRET, Math.floor(Date.now() / 1000)));
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ error: 'unknown_source' });
  });

  it('takes only POST /webhooks/<source> (with or without a trailing slash or a query) as a delivery; other forms are the rest of the app (404)', async () => {
    const body = arrival();
    const signed = signSamsara(body, SECRET, Math.floor(Date.now() / 1000));
    const withQuery = await post(`${receiver.url}/webhooks/samsara?tenant=eu&tenant=us`, body, { ...signed, 'x-request-id': 'req-from-vendor' });
    expect(withQuery.status).toBe(202);
    expect(withQuery.headers.get('x-request-id')).toBe('req-from-vendor');
    expect(withQuery.headers.get('content-type')).toBe('application/json; charset=utf-8');
    // One trailing slash, as express's routing took it: the same endpoint, so the same event is a repeat.
    const slashed = await post(`${receiver.url}/webhooks/samsara/?tenant=eu`, body, signed);
    expect([slashed.status, slashed.json]).toEqual([200, { workflowId: withQuery.json.workflowId, duplicate: true }]);
    for (const path of ['/webhooks/samsara/extra', '/webhooks/samsara//', '/webhooks/', '/webhooks']) {
      const res = await post(`${receiver.url}${path}`, body, signed);
      expect([path, res.status, res.json]).toEqual([path, 404, { error: 'not_found' }]);
    }
    const get = await fetch(`${receiver.url}/webhooks/samsara`);
    expect([get.status, await get.json()]).toEqual([404, { error: 'not_found' }]);
  });

  it('answers 415 for a content type Samsara never sends', async () => {
    const res = await send(arrival(), { headers: { 'content-type': 'text/plain' } });
    expect(res.status).toBe(415);
  });

  it('answers a Ping 200 and starts no workflow', async () => {
    const eventId = randomUUID();
    const res = await send(fixtureWith('samsara', 'ping', { eventId }));
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ok: true });
    await eventuallyRuns(workflowIdFor('samsara', eventId), 0);
  });

  it('answers an event type with no saga 200 and starts nothing', async () => {
    const eventId = randomUUID();
    const res = await send(fixtureWith('samsara', 'address-created', { eventId }));
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ignored: true, eventType: 'AddressCreated' });
    await eventuallyRuns(workflowIdFor('samsara', eventId), 0);
  });
});

describe('a credential in a query parameter named like a property of every object', () => {
  it('is missing when the query does not carry it (the parsed query has no prototype), and accepted when it does', async () => {
    const token = 'query-token-named-constructor-0123456789';
    const turvo = await startReceiver({ ...DIRECT_STARTS, TURVO_AUTH_MODE: 'query', TURVO_TOKEN_QUERY_PARAM: 'constructor', TURVO_WEBHOOK_SECRETS: token, TEMPORAL_TASK_QUEUE: taskQueue });
    try {
      // A shipment of its own: Temporal remembers the fixture's own event from earlier runs.
      const update = JSON.parse(fixture('turvo', 'shipment-update').toString('utf8'));
      const body = Buffer.from(JSON.stringify({ ...update, eventPayload: { ...update.eventPayload, id: randomUUID() } }));
      const bare = await post(`${turvo.url}/webhooks/turvo`, body, {});
      expect([bare.status, bare.json]).toEqual([401, { error: 'missing_token' }]);
      const other = await post(`${turvo.url}/webhooks/turvo?tenant=eu`, body, {});
      expect([other.status, other.json]).toEqual([401, { error: 'missing_token' }]);
      const carried = await post(`${turvo.url}/webhooks/turvo?constructor=${token}`, body, {});
      expect(carried.status).toBe(202);
    } finally {
      await turvo.close();
    }
  });
});

describe('health endpoints', () => {
  it('/healthz answers 200 and /readyz reports Temporal and Redis reachable', async () => {
    expect((await fetch(`${receiver.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${receiver.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { temporal: { ok: true }, redis: { ok: true } } });
  });
});
