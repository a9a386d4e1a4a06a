import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020';
import { eventually, until } from '../support/eventually';
import { bearerEndpoint } from '../support/fixtures';
import { uniqueTaskQueue } from '../support/temporal';
import { startIntakeReceiver, uniquePrefix, type IntakeReceiver } from '../intake/support/receiver';
import { headersFor, oneReceiverDrivers, pathFor, type SourceDriver } from '../../sources/sender/drivers';
import type { OutgoingDelivery } from '../../sources/types';
import { OPS_ENV, token } from '../ops/support';
import { DIRECT_STARTS } from '../support/receiver';

/**
 * The receiver serves its API description at /openapi.json; every answer here, from real receivers
 * on the test Temporal server and Redis, must be one the document lists (status, content type,
 * declared headers) and match its schema. Webhook answers cover every status of the README's table.
 */
const { env: driversEnv, drivers } = oneReceiverDrivers();
/** Beside the drivers' endpoints, one whose route fans out to two sagas (its answer lists both). */
const FAN_OUT = bearerEndpoint('fan-out-token', { 'order.created': ['recordEventSaga', 'frontInboundSaga'] });
const sourcesEnv = { ...driversEnv, SOURCES_CONFIG: JSON.stringify({ ...JSON.parse(driversEnv.SOURCES_CONFIG ?? '{}'), 'fan-out': FAN_OUT }) };
const samsara = drivers.find((d) => d.name === 'samsara')!;
const frontapp = drivers.find((d) => d.name === 'frontapp')!;
const taskQueue = uniqueTaskQueue('openapi');
const CLOSED_PORT = 6499; // in this file's range, never listened on

let main: IntakeReceiver;
let noTemporal: IntakeReceiver;
let nothing: IntakeReceiver;
/** The parts of the OpenAPI document these checks read. */
interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Partial<Record<'get' | 'post', { responses: Record<string, { headers?: Record<string, unknown>; content?: Record<string, { schema: object }> }> }>>>;
}
let doc: OpenApiDoc;
const ajv = new Ajv2020({ strict: false });
const seen = new Set<string>();

beforeAll(async () => {
  const env = { ...sourcesEnv, ...OPS_ENV, TEMPORAL_TASK_QUEUE: taskQueue };
  main = await startIntakeReceiver({
    env: { ...env, ...DIRECT_STARTS, REDIS_KEY_PREFIX: uniquePrefix('openapi'), BODY_LIMIT: '64kb', MAX_HEADER_BYTES: '4kb', BODY_READ_TIMEOUT_MS: '300', RATE_LIMIT_OVERRIDES: `${frontapp.name}=1` },
  });
  noTemporal = await startIntakeReceiver({ env: { ...env, REDIS_KEY_PREFIX: uniquePrefix('openapi-queued'), TEMPORAL_ADDRESS: `127.0.0.1:${CLOSED_PORT}`, TEMPORAL_START_TIMEOUT_MS: '300' } });
  nothing = await startIntakeReceiver({
    env: { ...env, REDIS_KEY_PREFIX: uniquePrefix('openapi-down'), TEMPORAL_ADDRESS: `127.0.0.1:${CLOSED_PORT}`, TEMPORAL_START_TIMEOUT_MS: '300', REDIS_URL: `redis://127.0.0.1:${CLOSED_PORT}` },
  });
  doc = (await (await fetch(`${main.url}/openapi.json`)).json()) as OpenApiDoc;
}, 60_000);

afterAll(async () => {
  await Promise.all([main, noTemporal, nothing].map((r) => r?.close()));
});

interface Answer {
  status: number;
  type: string;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** Checks an answer against the document's operation for `path` (as the document writes it). */
function conforms(method: 'get' | 'post', path: string, answer: Answer): void {
  const operation = doc.paths[path]?.[method];
  expect([method, path, operation !== undefined]).toEqual([method, path, true]);
  const response = operation!.responses[String(answer.status)]!;
  expect([path, answer.status, response !== undefined]).toEqual([path, answer.status, true]);
  for (const header of Object.keys(response.headers ?? {})) expect([answer.status, header, answer.headers[header.toLowerCase()] !== undefined]).toEqual([answer.status, header, true]);
  if (answer.text === '') {
    expect([path, answer.status, 'no body']).toEqual([path, answer.status, 'no body']);
  } else if (answer.type === 'application/json') {
    const schema = response.content?.['application/json']?.schema;
    expect([path, answer.status, schema !== undefined]).toEqual([path, answer.status, true]);
    const validate = ajv.compile(schema!);
    const valid = validate(JSON.parse(answer.text));
    expect([path, answer.status, valid ? [] : validate.errors]).toEqual([path, answer.status, []]);
  } else {
    expect([path, answer.status, answer.type, Object.keys(response.content ?? {})]).toEqual([path, answer.status, answer.type, expect.arrayContaining([answer.type])]);
  }
  if (path === '/webhooks/{source}') seen.add(String(answer.status));
}

async function send(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, init);
  return { status: res.status, type: (res.headers.get('content-type') ?? '').split(';')[0]!, headers: Object.fromEntries(res.headers), text: await res.text() };
}

/** node:http for what fetch will not send: oversized headers, a body that stops half-way. */
function raw(url: string, options: { headers: Record<string, string>; body: string; declaredLength?: number }): Promise<Answer> {
  return new Promise((done, fail) => {
    const req = request(url, { method: 'POST', headers: { ...options.headers, 'content-length': String(options.declaredLength ?? Buffer.byteLength(options.body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode!, type: (res.headers['content-type'] ?? '').split(';')[0]!, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', fail);
    req.write(options.body);
    if (options.declaredLength === undefined) req.end();
  });
}

const deliver = (receiver: IntakeReceiver, driver: SourceDriver, message: OutgoingDelivery, headers: Record<string, string> = {}) =>
  send(`${receiver.url}${pathFor(driver.name, message)}`, { method: 'POST', headers: { ...headersFor(message), ...headers }, body: message.body });
const signed = (driver: SourceDriver, body: string | Buffer) => driver.sign({ body: Buffer.from(body), headers: { 'content-type': 'application/json' }, query: {} });
const WEBHOOK = '/webhooks/{source}';

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 and lists every status of the README table for the webhook endpoint', () => {
    expect(doc.openapi).toBe('3.1.0');
    const readme = readFileSync(resolve(__dirname, '..', '..', 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('## Status codes'), readme.indexOf('## Sources'));
    const statuses = new Set([...table.matchAll(/^\| (\d{3})\b/gm)].map(([, s]) => s));
    expect(statuses.size).toBeGreaterThan(8);
    expect(Object.keys(doc.paths[WEBHOOK]!.post!.responses).sort()).toEqual([...statuses].sort());
  });
});

describe('real webhook answers match it', () => {
  it('202 started, 200 duplicate', async () => {
    const { message } = samsara.newEvent(randomUUID());
    const first = await deliver(main, samsara, message);
    expect(first.status).toBe(202);
    conforms('post', WEBHOOK, first);
    const again = await deliver(main, samsara, samsara.sign(samsara.newEvent(randomUUID()).unsigned));
    conforms('post', WEBHOOK, again);
    const repeat = await deliver(main, samsara, message);
    expect(JSON.parse(repeat.text).duplicate).toBe(true);
    conforms('post', WEBHOOK, repeat);
  });

  it('202 and 200 for an event routed to several sagas: one answer per saga', async () => {
    const fanOut = (receiver: IntakeReceiver, id: string) =>
      send(`${receiver.url}/webhooks/fan-out`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer fan-out-token' }, body: JSON.stringify({ id, type: 'order.created' }) });
    const id = `ord_${randomUUID()}`;
    const first = await fanOut(main, id);
    expect([first.status, JSON.parse(first.text).sagas?.length]).toEqual([202, 2]);
    conforms('post', WEBHOOK, first);
    // On a loaded machine a start may be queued: the repeat is a duplicate once both sagas exist.
    const ids = (JSON.parse(first.text).sagas as { workflowId: string }[]).map((a) => a.workflowId);
    const exists = (workflowId: string) => main.client.workflow.getHandle(workflowId).describe().then(() => true, () => false);
    expect(await eventually(async () => (await Promise.all(ids.map(exists))).every(Boolean), Boolean)).toBe(true);
    const repeat = await fanOut(main, id);
    expect([repeat.status, JSON.parse(repeat.text).sagas?.map((a: { duplicate: boolean }) => a.duplicate)]).toEqual([200, [true, true]]);
    conforms('post', WEBHOOK, repeat);
    const queued = await fanOut(noTemporal, `ord_${randomUUID()}`);
    expect([queued.status, JSON.parse(queued.text).sagas?.map((a: { queued?: boolean }) => a.queued)]).toEqual([202, [true, true]]);
    conforms('post', WEBHOOK, queued);
  });

  it('202 queued when Temporal does not answer, 503 + Retry-After when Redis does not either', async () => {
    const queued = await deliver(noTemporal, samsara, samsara.newEvent(randomUUID()).message);
    expect(JSON.parse(queued.text).queued).toBe(true);
    conforms('post', WEBHOOK, queued);
    const refused = await deliver(nothing, samsara, samsara.newEvent(randomUUID()).message);
    expect(refused.status).toBe(503);
    conforms('post', WEBHOOK, refused);
  });

  it('200 for handshakes and ignored event types, whatever their content type', async () => {
    for (const driver of drivers) {
      for (const fixture of driver.fixtures.filter((f) => !driver.starters.includes(f))) {
        const answer = await deliver(main, driver, driver.sign(fixture));
        if (answer.status === 200) conforms('post', WEBHOOK, answer);
      }
    }
    expect(seen.has('200')).toBe(true);
  });

  it('400, 401, 404, 413, 415 and 429 refusals', async () => {
    const cases: [number, Promise<Answer>][] = [
      [400, deliver(main, samsara, signed(samsara, '{"not json'))],
      [400, deliver(main, samsara, signed(samsara, '['.repeat(100)))],
      [401, deliver(main, samsara, { ...samsara.newEvent(randomUUID()).message, body: Buffer.from('{"tampered":true}') })],
      [404, send(`${main.url}/webhooks/no-such-source`, { method: 'POST', body: '{}' })],
      [413, deliver(main, samsara, signed(samsara, JSON.stringify({ pad: 'x'.repeat(100 * 1024) })))],
      [415, deliver(main, frontapp, frontapp.newEvent(randomUUID()).message, { 'content-type': 'text/plain' })],
    ];
    for (const [status, pending] of cases) {
      const answer = await pending;
      expect(answer.status).toBe(status);
      conforms('post', WEBHOOK, answer);
    }
    const burst = await Promise.all(Array.from({ length: 4 }, () => deliver(main, frontapp, frontapp.newEvent(randomUUID()).message)));
    const limited = burst.find((a) => a.status === 429);
    expect(limited).toBeDefined();
    conforms('post', WEBHOOK, limited!);
  });

  it('408 for a body that stops arriving, 431 for oversized headers', async () => {
    const message = samsara.newEvent(randomUUID()).message;
    const url = `${main.url}${pathFor(samsara.name, message)}`;
    const stalled = await raw(url, { headers: headersFor(message), body: message.body.subarray(0, 10).toString(), declaredLength: message.body.length });
    expect(stalled.status).toBe(408);
    conforms('post', WEBHOOK, stalled);
    const big = await raw(url, { headers: { ...headersFor(message), 'x-padding': 'x'.repeat(8 * 1024) }, body: message.body.toString() });
    expect(big.status).toBe(431);
    conforms('post', WEBHOOK, big);
    expect([...seen].sort()).toEqual(Object.keys(doc.paths[WEBHOOK]!.post!.responses).sort());
  });
});

describe('real console API answers match it', () => {
  const api = (path: string) => `${main.url}/ops/api${path}`;
  const as = (role: 'viewer' | 'operator' | undefined, init: { method?: string; body?: unknown } = {}): RequestInit => ({
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { ...(role ? { authorization: `Bearer ${token(role)}` } : {}), ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });

  it('reads: me, sagas, counts, one saga, dead letters, refused requests, audit', async () => {
    const started = await deliver(main, samsara, samsara.newEvent(randomUUID()).message);
    expect(started.status).toBe(202);
    const { workflowId } = JSON.parse(started.text) as { workflowId: string };
    // On a loaded machine the start may have gone through the outbox: read the saga once Temporal has it.
    const handle = main.client.workflow.getHandle(workflowId);
    await until(() => handle.describe().then(() => true, () => false), 30_000, 'the saga in Temporal');
    const reads: [string, string, RequestInit, number][] = [
      ['/ops/api/me', '/me', as('viewer'), 200],
      ['/ops/api/sagas', `/sagas?source=samsara&pageSize=5`, as('viewer'), 200],
      ['/ops/api/counts', '/counts', as('viewer'), 200],
      ['/ops/api/refused', '/refused?source=samsara&limit=5', as('viewer'), 200],
      ['/ops/api/refused', '/refused?from=yesterday', as('viewer'), 400],
      ['/ops/api/sagas/{workflowId}', `/sagas/${encodeURIComponent(workflowId)}`, as('viewer'), 200],
      ['/ops/api/sagas/{workflowId}', '/sagas/samsara%3Ano-such-event', as('viewer'), 404],
      ['/ops/api/dead-letters', '/dead-letters?limit=5', as('viewer'), 200],
      ['/ops/api/audit', '/audit', as('viewer'), 200],
    ];
    // A refusal is kept (after its answer): the list has an item to check.
    expect((await deliver(main, samsara, { ...samsara.newEvent(randomUUID()).message, body: Buffer.from('{"tampered":1}') })).status).toBe(401);
    const listed = await eventually(async () => JSON.parse((await send(api('/refused?reason=signature_mismatch'), as('viewer'))).text), (page) => page.total >= 1);
    expect(listed.items[0]).toMatchObject({ source: 'samsara', status: 401 });
    for (const [documented, path, init, status] of reads) {
      const answer = await send(api(path), init);
      expect([path, answer.status]).toEqual([path, status]);
      conforms('get', documented, answer);
    }
  });

  it('operator actions and refusals: dry runs, 400, 401, 403', async () => {
    const cases: ['get' | 'post', string, string, RequestInit, number][] = [
      ['post', '/ops/api/replays/preview', '/replays/preview', as('operator', { body: { filter: { outcome: 'compensated', source: 'samsara', eventType: 'NoSuchType' } } }), 200],
      ['post', '/ops/api/dead-letters/requeue/preview', '/dead-letters/requeue/preview', as('operator', { body: { filter: {} } }), 200],
      ['post', '/ops/api/refused/reprocess/preview', '/refused/reprocess/preview', as('operator', { body: { filter: { source: 'samsara' } } }), 200],
      ['post', '/ops/api/refused/{id}/reprocess', '/refused/1-0/reprocess', as('operator', { body: {} }), 404],
      ['post', '/ops/api/refused/reprocess', '/refused/reprocess', as('operator', { body: { filter: {}, expect: 100_000 } }), 409],
      ['post', '/ops/api/replays', '/replays', as('operator', { body: { filter: {} } }), 400],
      ['get', '/ops/api/sagas', '/sagas?pageToken=made-up', as('viewer'), 400],
      ['get', '/ops/api/me', '/me', as(undefined), 401],
      ['post', '/ops/api/sagas/{workflowId}/replay', '/sagas/samsara%3Ax/replay', as('viewer', { body: {} }), 403],
    ];
    // A kept refusal re-processed: its signature still does not hold, so it is refused again (200, with the reason).
    const [tampered] = JSON.parse((await send(api('/refused?reason=signature_mismatch'), as('viewer'))).text).items;
    cases.push(['post', '/ops/api/refused/{id}/reprocess', `/refused/${tampered.id}/reprocess`, as('operator', { body: {} }), 200]);
    for (const [method, documented, path, init, status] of cases) {
      const answer = await send(api(path), init);
      expect([path, answer.status]).toEqual([path, status]);
      conforms(method, documented, answer);
    }
  });
});
