import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createSandbox } from '../../sandbox/app';
import { startSandbox, type RunningSandbox } from '../support/sandbox';

/** The downstream sandbox on its own: seed data, idempotency keys, undo by key, faults, the production guard. */
let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startSandbox();
});

afterAll(async () => {
  await sandbox?.close();
});

beforeEach(() => sandbox.reset());

async function call(method: string, path: string, { body, key }: { body?: unknown; key?: string } = {}) {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (key) headers['idempotency-key'] = key;
  const res = await fetch(`${sandbox.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

const AT_STOP = { code: { key: '2104', value: 'At stop' } };

describe('seed data matching the fixtures', () => {
  it('has Turvo shipment 98765 (S-1001) with stop STOP-2, and its records links to a Front conversation and a contact', async () => {
    const shipment = await call('GET', '/turvo/shipments/98765');
    expect(shipment.json).toMatchObject({ id: '98765', customId: 'S-1001', stops: expect.arrayContaining([expect.objectContaining({ id: 'STOP-2' })]) });
    expect((await call('GET', '/turvo/shipments?customId=s-1001')).json.shipments).toHaveLength(1);
    expect((await call('GET', '/records/shipments/98765/links')).json).toEqual({
      shipmentId: '98765',
      frontConversationId: 'cnv_55c8c149',
      customerContact: { name: 'Dana Reyes', email: 'dana@customer.test' },
    });
    expect((await call('GET', '/turvo/shipments/404404')).status).toBe(404);
  });
});

describe('idempotency keys', () => {
  it('answers a repeated key with the first result and makes no second effect', async () => {
    const first = await call('POST', '/front/conversations/cnv_55c8c149/comments', { body: { body: 'hello' }, key: 'wf/run/comment' });
    const again = await call('POST', '/front/conversations/cnv_55c8c149/comments', { body: { body: 'hello' }, key: 'wf/run/comment' });
    expect(first.status).toBe(201);
    expect(again).toMatchObject({ status: 201, json: first.json });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(sandbox.data().comments.size).toBe(1);
    const seen = (await call('GET', '/_sandbox/requests?service=front&key=wf/run/')).json;
    expect(seen.map((r: { replayed?: boolean }) => !!r.replayed)).toEqual([false, true]);
  });

  it('refuses a key reused for a different request (422), and a stop update repeated under its key changes nothing', async () => {
    await call('PUT', '/turvo/shipments/98765/stops/STOP-2/status', { body: AT_STOP, key: 'k1' });
    expect((await call('PUT', '/turvo/shipments/98765/status', { body: AT_STOP, key: 'k1' })).status).toBe(422);
    const repeat = await call('PUT', '/turvo/shipments/98765/stops/STOP-2/status', { body: AT_STOP, key: 'k1' });
    expect(repeat.json.previous).toEqual({ code: { key: '2101', value: 'En route' } });
  });

  it('undoes by key: a comment and the tags a key added (never one the conversation already had)', async () => {
    await call('POST', '/front/conversations/cnv_55c8c149/tags', { body: { tag_ids: ['vip'] }, key: 'before' });
    await call('POST', '/front/conversations/cnv_55c8c149/comments', { body: { body: 'x' }, key: 'c' });
    await call('POST', '/front/conversations/cnv_55c8c149/tags', { body: { tag_ids: ['vip', 'shipment-linked'] }, key: 't' });
    expect((await call('DELETE', '/front/conversations/cnv_55c8c149/comments?idempotency_key=c', { key: 'c/undo' })).status).toBe(204);
    expect((await call('DELETE', '/front/conversations/cnv_55c8c149/tags?idempotency_key=t', { key: 't/undo' })).status).toBe(204);
    const conversation = (await call('GET', '/front/conversations/cnv_55c8c149')).json;
    expect(conversation).toMatchObject({ tags: ['vip'], comments: [] });
    // An undo for a write that never happened is a no-op, not an error.
    expect((await call('DELETE', '/front/conversations/cnv_55c8c149/comments?idempotency_key=never')).status).toBe(204);
  });
});

describe('faults', () => {
  it('fails a chosen call the given number of times with no effect, then lets it through; lists and clears faults', async () => {
    const armed = await call('POST', '/_sandbox/faults', { body: { service: 'front', method: 'post', path: '/comments$', status: 503, times: 1 } });
    expect(armed).toMatchObject({ status: 201, json: { id: expect.any(String), service: 'front', method: 'POST', status: 503, times: 1, hits: 0 } });

    const failed = await call('POST', '/front/conversations/cnv_55c8c149/comments', { body: { body: 'x' }, key: 'k' });
    expect(failed).toMatchObject({ status: 503, json: { error: 'sandbox_fault', fault: armed.json.id } });
    expect(sandbox.data().comments.size).toBe(0);
    expect((await call('POST', '/front/conversations/cnv_55c8c149/comments', { body: { body: 'x' }, key: 'k' })).status).toBe(201);
    expect((await call('GET', '/_sandbox/faults')).json).toEqual([expect.objectContaining({ id: armed.json.id, hits: 1 })]);

    await call('POST', '/_sandbox/faults', { body: { service: 'turvo', status: 422 } });
    expect((await call('GET', '/turvo/shipments/98765')).status).toBe(422);
    expect((await call('DELETE', '/_sandbox/faults')).status).toBe(204);
    expect((await call('GET', '/turvo/shipments/98765')).status).toBe(200);
    expect((await call('GET', '/_sandbox/faults')).json).toEqual([]);
  });

  it('with after, lets that many matching calls through first; without a service, matches every service', async () => {
    await call('POST', '/_sandbox/faults', { body: { method: 'PUT', path: '^/shipments/98765/status$', status: 422, after: 1, times: 1 } });
    const status = { body: { code: { key: '2110', value: 'Delivered' } } };
    expect((await call('PUT', '/turvo/shipments/98765/status', status)).status).toBe(200);
    expect((await call('PUT', '/turvo/shipments/98765/status', status)).status).toBe(422);
    expect((await call('PUT', '/turvo/shipments/98765/status', status)).status).toBe(200);
    expect((await call('POST', '/_sandbox/faults', { body: { service: 'front', status: 500, after: -1 } })).status).toBe(400);
  });

  it('refuses a fault it cannot apply', async () => {
    expect((await call('POST', '/_sandbox/faults', { body: { service: 'stripe', status: 500 } })).status).toBe(400);
    expect((await call('POST', '/_sandbox/faults', { body: { service: 'front', path: '(', status: 500 } })).status).toBe(400);
    expect((await call('POST', '/_sandbox/faults', { body: { service: 'front' } })).status).toBe(400);
  });

  it('with delayMs and no status: does the work at once and answers late', async () => {
    await call('POST', '/_sandbox/faults', { body: { service: 'notify', delayMs: 300, times: 1 } });
    const started = Date.now();
    const pending = call('POST', '/notify/messages', { body: { to: 'a@b.test', subject: 's', text: 't' }, key: 'm' });
    await new Promise((r) => setTimeout(r, 100));
    expect(sandbox.data().messages).toHaveLength(1);
    expect((await pending).status).toBe(202);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });
});

describe('a development aid only', () => {
  it('refuses to be created with NODE_ENV=production', () => {
    expect(() => createSandbox({ nodeEnv: 'production' })).toThrow(/never runs with NODE_ENV=production/);
  });

  it('its entry point exits with an error under NODE_ENV=production', () => {
    const root = join(__dirname, '..', '..');
    const result = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'sandbox', 'server.ts')], {
      env: { ...process.env, NODE_ENV: 'production', SANDBOX_PORT: '0' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('never runs with NODE_ENV=production');
  });
});
