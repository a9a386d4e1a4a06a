import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { createActivities, createClients } from '../../sagas/activities';
import { TEMPORAL_BIN } from '../../scripts/lib/stack';
import { newPayloadKey } from '../../src/temporal/codec';
import { startReceiver, type TestReceiver } from '../support/receiver';
import { startTestWorker, temporalAddress, testClient, testConfig, uniqueTaskQueue, type TestWorker } from '../support/temporal';
import { call, deliverRouteStop, FRONT_REFUSES_COMMENTS, OPS_ENV, SAMSARA_SECRET, sagaEnd, startOpsStack, token, type OpsStack } from './support';

/**
 * Encrypted payloads (src/temporal/codec.ts) end to end: a saga started through the receiver and run
 * by the worker, both with the codec, leaves only ciphertext in Temporal's history (read by a client
 * and by the temporal CLI, neither with the codec), still runs, and the codec endpoint and the
 * console decode for an operator only. Rotation: a new primary key, old histories still readable.
 */
jest.setTimeout(120_000);
const run = promisify(execFile);

const K1 = newPayloadKey('k1');
const K2 = newPayloadKey('k2');
const text = (b: Uint8Array | null | undefined) => new TextDecoder().decode(b ?? new Uint8Array());
const toJson = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

let stack: OpsStack;
let plain: { client: Client; close: () => Promise<void> };
/** Personal data in the event: the driver's name. Search attributes carry the event key, never this. */
const marker = `Driver-${randomUUID()}`;
let workflowId: string;

async function rawHistory(id: string) {
  return plain.client.workflow.getHandle(id).fetchHistory();
}

function encryptedWith(payload: Payload | null | undefined): string | undefined {
  expect(text(payload?.metadata?.encoding)).toBe('binary/encrypted');
  expect(Buffer.from(payload!.data!).toString('latin1')).not.toContain(marker);
  return text(payload?.metadata?.['encryption-key-id']);
}

beforeAll(async () => {
  stack = await startOpsStack('codec', { PAYLOAD_ENCRYPTION_KEYS: K1 });
  plain = await testClient();
  workflowId = await stack.deliver(undefined, (event) => {
    event.data.driver.name = marker;
  });
  expect(await sagaEnd(stack.receiver.client, workflowId, 60_000)).toBe('completed');
});

afterAll(async () => {
  await stack?.close();
  await plain?.close();
});

describe('payloads in Temporal history', () => {
  it('input, memo, activity inputs and results and the saga result are ciphertext to a client without the codec', async () => {
    const history = await rawHistory(workflowId);
    const events = history.events ?? [];
    const started = events[0]!.workflowExecutionStartedEventAttributes!;
    expect(encryptedWith(started.input!.payloads![0])).toBe('k1');
    expect(encryptedWith(started.memo!.fields!.delivery)).toBe('k1');
    const scheduled = events.filter((e) => e.activityTaskScheduledEventAttributes);
    const completed = events.filter((e) => e.activityTaskCompletedEventAttributes);
    expect(scheduled.length).toBeGreaterThan(2);
    for (const e of scheduled) for (const p of e.activityTaskScheduledEventAttributes!.input?.payloads ?? []) encryptedWith(p);
    for (const e of completed) for (const p of e.activityTaskCompletedEventAttributes!.result?.payloads ?? []) encryptedWith(p);
    const result = events[events.length - 1]!.workflowExecutionCompletedEventAttributes!.result!.payloads![0];
    expect(encryptedWith(result)).toBe('k1');
    // The saga ran on those payloads: its result reads back through the codec.
    expect(await stack.receiver.client.workflow.getHandle(workflowId).result()).toBeDefined();
  });

  it('the temporal CLI shows ciphertext, and clear text only through the codec endpoint with an operator token', async () => {
    const show = (...extra: string[]) => run(TEMPORAL_BIN, ['workflow', 'show', '-w', workflowId, '--address', temporalAddress(), '-o', 'json', ...extra], { maxBuffer: 16 << 20 });
    // The CLI's JSON prints payload bytes as base64: read the input the way it shows it.
    const inputOf = (stdout: string) => {
      const payload = JSON.parse(stdout).events[0].workflowExecutionStartedEventAttributes.input.payloads[0];
      return { encoding: Buffer.from(payload.metadata.encoding, 'base64').toString(), data: Buffer.from(payload.data, 'base64').toString('latin1') };
    };
    const raw = inputOf((await show()).stdout);
    expect(raw.encoding).toBe('binary/encrypted');
    expect(raw.data).not.toContain(marker);
    const decoded = inputOf((await show('--codec-endpoint', `${stack.receiver.url}/codec`, '--codec-auth', `Bearer ${token('operator')}`)).stdout);
    expect(decoded.encoding).toBe('json/plain');
    expect(JSON.parse(decoded.data).event.data.driver.name).toBe(marker);
    await expect(show('--codec-endpoint', `${stack.receiver.url}/codec`, '--codec-auth', `Bearer ${token('viewer')}`)).rejects.toThrow();
  });
});

describe('the codec endpoint', () => {
  const decode = async (bearer: string | undefined, payloads: Payload[], receiver: TestReceiver = stack.receiver) =>
    call(`${receiver.url}/codec/decode`, bearer, { body: { payloads: payloads.map(toJson) } });

  it('decodes for an operator, refuses a viewer (403) and no token (401)', async () => {
    const input = (await rawHistory(workflowId)).events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
    const operator = await decode(token('operator'), [input]);
    expect(operator.status).toBe(200);
    const clear = operator.json.payloads[0]!;
    expect(Buffer.from(clear.metadata.encoding, 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(clear.data, 'base64').toString()).event.data.driver.name).toBe(marker);
    expect((await decode(token('viewer'), [input])).status).toBe(403);
    const none = await decode(undefined, [input]);
    expect(none.status).toBe(401);
    expect(JSON.stringify(none.json)).not.toContain(marker);
  });

  it('encodes what it decodes back (the UI encodes what an operator sends), and refuses a malformed body with a 400', async () => {
    const clear = { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from(JSON.stringify({ marker })).toString('base64') };
    const encoded = await call(`${stack.receiver.url}/codec/encode`, token('operator'), { body: { payloads: [clear] } });
    expect(encoded.status).toBe(200);
    expect(Buffer.from(encoded.json.payloads[0]!.data, 'base64').toString('latin1')).not.toContain(marker);
    const back = await call(`${stack.receiver.url}/codec/decode`, token('operator'), { body: encoded.json });
    expect(back.json.payloads[0]).toEqual(clear);
    expect((await call(`${stack.receiver.url}/codec/decode`, token('operator'), { body: { payloads: [{ data: 'not base64!' }] } })).status).toBe(400);
    expect((await call(`${stack.receiver.url}/codec/encode`, token('viewer'), { body: { payloads: [clear] } })).status).toBe(403);
  });

  it('answers the Temporal UI origin its CORS preflight, and names no other origin', async () => {
    const preflight = (origin: string) =>
      fetch(`${stack.receiver.url}/codec/decode`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-namespace' },
      });
    const ui = await preflight('http://127.0.0.1:8233');
    expect(ui.status).toBe(204);
    expect(ui.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8233');
    expect(ui.headers.get('access-control-allow-headers')).toContain('authorization');
    const other = await preflight('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('the console', () => {
  it("shows an encrypted saga's input shape to a viewer (decoded server-side, still no values)", async () => {
    const detail = await call(`${stack.receiver.url}/ops/api/sagas/${encodeURIComponent(workflowId)}`, token('viewer'));
    expect(detail.status).toBe(200);
    expect(detail.json.input.meta.eventKey).toBeDefined();
    expect(detail.json.input.parts.event!.fields.data!.type).toBe('object');
    expect(JSON.stringify(detail.json)).not.toContain(marker);
  });

  it("reads a compensated saga's encrypted failure details, and a replay's memo is encrypted too", async () => {
    await stack.sandbox.fail(FRONT_REFUSES_COMMENTS);
    let failedId: string;
    try {
      failedId = await stack.deliver();
      expect(await sagaEnd(stack.receiver.client, failedId, 60_000)).toBe('failed');
    } finally {
      await stack.sandbox.clearFaults();
    }
    const events = (await rawHistory(failedId)).events!;
    encryptedWith(events[events.length - 1]!.workflowExecutionFailedEventAttributes!.failure!.applicationFailureInfo!.details!.payloads![0]);
    const detail = await call(`${stack.receiver.url}/ops/api/sagas/${encodeURIComponent(failedId)}`, token('viewer'));
    expect(detail.json.failure.saga).toMatchObject({ failedStep: 'commentOnFront', outcome: 'compensated' });
    // The cause column and the groups read the same encrypted failure (one closing event per run).
    expect(detail.json.cause).toMatchObject({ failedStep: 'commentOnFront', errorClass: 'front 422', permanent: false });
    const list = await call(`${stack.receiver.url}/ops/api/sagas?outcome=attention`, token('viewer'));
    expect(list.status).toBe(200);
    expect(list.json.items.find((r) => r.workflowId === failedId)).toMatchObject({ cause: { errorClass: 'front 422' } });
    expect(list.json.groups).toContainEqual(expect.objectContaining({ failedStep: 'commentOnFront', errorClass: 'front 422' }));

    const replayed = await call(`${stack.receiver.url}/ops/api/sagas/${encodeURIComponent(failedId)}/replay`, token('operator'), { method: 'POST', body: {} });
    expect(replayed.status).toBe(201);
    const memo = (await plain.client.workflow.getHandle(failedId, replayed.json.runId).fetchHistory()).events![0]!.workflowExecutionStartedEventAttributes!.memo!.fields!;
    expect(encryptedWith(memo.replay)).toBe('k1');
    expect(await sagaEnd(stack.receiver.client, failedId, 60_000)).toBe('completed');
  });
});

describe('key rotation', () => {
  let worker: TestWorker | undefined;
  let rotated: TestReceiver | undefined;
  afterAll(async () => {
    await worker?.stop();
    await rotated?.close();
  });

  it('after a new primary key, new sagas use it and the old ones still decode; without the old key they do not', async () => {
    // The rotated deployment: receiver and worker with k2 first, k1 kept (on a task queue of their own).
    const taskQueue = uniqueTaskQueue('codec-rotated');
    const env = { ...stack.sandbox.env, ...OPS_ENV, SAMSARA_WEBHOOK_SECRETS: SAMSARA_SECRET, TEMPORAL_TASK_QUEUE: taskQueue, PAYLOAD_ENCRYPTION_KEYS: `${K2},${K1}` };
    const config = testConfig(env);
    worker = await startTestWorker({ taskQueue, activities: createActivities(createClients(config.downstream)), config });
    rotated = await startReceiver(env);
    const fresh = await deliverRouteStop(rotated.url);
    expect(await sagaEnd(rotated.client, fresh, 60_000)).toBe('completed');
    const freshInput = (await rawHistory(fresh)).events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0];
    expect(text(freshInput?.metadata?.['encryption-key-id'])).toBe('k2');

    // The saga written under k1 reads back through the rotated client, console and endpoint.
    expect(await rotated.client.workflow.getHandle(workflowId).result()).toBeDefined();
    // The console shows only its deployment's task queue: read the k1 saga through a rotated receiver of its queue.
    const rotatedConsole = await startReceiver({ ...env, TEMPORAL_TASK_QUEUE: stack.taskQueue });
    try {
      const detail = await call(`${rotatedConsole.url}/ops/api/sagas/${encodeURIComponent(workflowId)}`, token('viewer'));
      expect(detail.json.input.parts.event!.fields.data!.type).toBe('object');
    } finally {
      await rotatedConsole.close();
    }
    const oldInput = (await rawHistory(workflowId)).events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
    const decoded = await call(`${rotated.url}/codec/decode`, token('operator'), { body: { payloads: [toJson(oldInput)] } });
    expect(JSON.parse(Buffer.from(decoded.json.payloads[0]!.data, 'base64').toString()).event.data.driver.name).toBe(marker);

    // k1 dropped too early: its payloads are refused by key id (a 400 naming it), never a 500.
    const k2only = await startReceiver({ ...env, PAYLOAD_ENCRYPTION_KEYS: K2 });
    try {
      const refused = await call(`${k2only.url}/codec/decode`, token('operator'), { body: { payloads: [toJson(oldInput)] } });
      expect(refused.status).toBe(400);
      expect(refused.json.message).toContain('"k1"');
    } finally {
      await k2only.close();
    }
  });
});
