import { randomUUID } from 'node:crypto';
import { signSamsara } from '../../sources/samsara/verify';
import { REDACTED, redact } from '../../src/intake/refused';
import type { Delivery } from '../../sources/types';
import { fixture, fixtureWith } from '../support/fixtures';
import { eventually } from '../support/eventually';
import { freePort } from '../support/ports';
import { uniqueTaskQueue } from '../support/temporal';
import { call, OPS_ENV, token } from '../ops/support';
import { deletePrefix, postRaw, startIntakeReceiver, uniquePrefix, type IntakeReceiver } from './support/receiver';

/**
 * Refused and unrouted requests are kept (src/intake/refused.ts) on a real receiver and Redis: with
 * their reason and no secret, within their count, and never at the cost of the vendor's answer.
 */
const SAMSARA_SECRET = Buffer.from('refused-test-samsara').toString('base64');
const WRONG_SECRET = Buffer.from('refused-test-someone-else').toString('base64');
const TURVO_TOKEN = `turvo-right-${randomUUID()}`;
const MAX_ENTRIES = 4;
const prefix = uniquePrefix('refused');
const viewer = token('viewer');
const env = {
  ...OPS_ENV,
  SAMSARA_WEBHOOK_SECRETS: SAMSARA_SECRET,
  TURVO_AUTH_MODE: 'bearer',
  TURVO_WEBHOOK_SECRETS: TURVO_TOKEN,
  TEMPORAL_TASK_QUEUE: uniqueTaskQueue('refused'),
  REFUSED_MAX_ENTRIES: String(MAX_ENTRIES),
};

let receiver: IntakeReceiver;

beforeAll(async () => {
  receiver = await startIntakeReceiver({ env: { ...env, REDIS_KEY_PREFIX: prefix } });
}, 30_000);

afterAll(async () => {
  if (receiver) await deletePrefix(receiver.redis, prefix);
  await receiver?.close();
});

const now = () => Math.floor(Date.now() / 1000);

function forged(eventId = randomUUID()): { body: Buffer; headers: Record<string, string> } {
  const body = fixtureWith('samsara', 'route-stop-arrival', { eventId });
  return { body, headers: signSamsara(body, WRONG_SECRET, now()) };
}

async function kept(query = '') {
  return (await call(`${receiver.url}/ops/api/refused${query}`, viewer)).json;
}

/** Every value under the receiver's prefix, as bytes: a secret must be in none of them. */
async function everythingStored(): Promise<string> {
  const keys = await receiver.redis.keys(`${prefix}*`);
  const out: string[] = [];
  for (const key of keys) {
    const type = await receiver.redis.type(key);
    if (type === 'stream') out.push(JSON.stringify(await receiver.redis.xrange(key, '-', '+')));
    else if (type === 'hash') out.push(JSON.stringify(await receiver.redis.hgetall(key)));
    else if (type === 'string') out.push((await receiver.redis.get(key)) ?? '');
  }
  return out.join('\n');
}

describe('refused requests are kept', () => {
  it('a bearer token refused: kept with its reason and request id, the token redacted, marked as not re-verifiable', async () => {
    const wrong = `turvo-wrong-${randomUUID()}`;
    const body = fixture('turvo', 'shipment-status-update');
    const res = await postRaw(`${receiver.url}/webhooks/turvo?tenant=eu`, body, { authorization: `Bearer ${wrong}`, 'x-vendor-note': 'kept as sent' });
    expect(res).toMatchObject({ status: 401, json: { error: 'token_mismatch' } });
    const requestId = res.headers.get('x-request-id');

    const page = await eventually(() => kept('?source=turvo'), (p) => p.total === 1);
    expect(page.items[0]).toMatchObject({
      source: 'turvo',
      kind: 'refused',
      status: 401,
      reason: 'token_mismatch',
      requestId,
      client: expect.stringMatching(/127\.0\.0\.1/),
      verified: false,
      method: 'POST',
      target: '/webhooks/turvo?tenant=eu',
      query: { tenant: 'eu' },
      headers: { authorization: REDACTED, 'x-vendor-note': 'kept as sent' },
      redacted: ['header:authorization'],
      reverifiable: false,
      body: { kept: 'inline', bytes: body.length },
    });
    expect(Date.now() - Date.parse(page.items[0]!.receivedAt)).toBeLessThan(60_000);
    // Neither the token sent nor the one configured is anywhere in Redis.
    const stored = await everythingStored();
    expect(stored).not.toContain(wrong);
    expect(stored).not.toContain(TURVO_TOKEN);
    // The body is kept as it came: the raw bytes are beside the entry.
    expect(await receiver.redis.hgetBuffer(`${prefix}refused:bodies`, page.items[0]!.id)).toEqual(body);

    // Re-processing it is refused with the reason, and nothing is attempted.
    const reprocess = await call(`${receiver.url}/ops/api/refused/${page.items[0]!.id}/reprocess`, token('operator'), { body: {} });
    expect(reprocess).toMatchObject({ status: 409, json: { error: 'credential_redacted' } });
  });

  it('a verified event no saga handles is kept as unrouted; a forged body over the size bound is kept without it', async () => {
    const body = fixture('samsara', 'address-created');
    const res = await postRaw(`${receiver.url}/webhooks/samsara`, body, signSamsara(body, SAMSARA_SECRET, now()));
    expect(res).toMatchObject({ status: 200, json: { ignored: true, eventType: 'AddressCreated' } });
    const big = Buffer.from(JSON.stringify({ eventId: randomUUID(), eventType: 'RouteStopArrival', pad: 'x'.repeat(20_000) }));
    expect((await postRaw(`${receiver.url}/webhooks/samsara`, big, signSamsara(big, WRONG_SECRET, now()))).status).toBe(401);

    const page = await eventually(() => kept('?source=samsara'), (p) => p.total === 2);
    // Newest first.
    expect(page.items[0]).toMatchObject({ reason: 'signature_mismatch', body: { kept: 'no', bytes: big.length } });
    expect(page.items[1]).toMatchObject({ kind: 'unrouted', status: 200, reason: 'unrouted', eventType: 'AddressCreated', verified: true, reverifiable: true, redacted: [] });
    expect(await receiver.redis.hexists(`${prefix}refused:bodies`, page.items[0]!.id)).toBe(0);
    // Filters: by reason, and a time range that ends before them.
    expect((await kept('?reason=unrouted')).total).toBe(1);
    expect((await kept(`?to=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}`)).total).toBe(0);
  });

  it('keeps at most REFUSED_MAX_ENTRIES, the newest, with their bodies', async () => {
    const sent: string[] = [];
    for (let i = 0; i < MAX_ENTRIES + 2; i++) {
      const { body, headers } = forged();
      const requestId = `flood-${i}-${randomUUID()}`;
      const res = await postRaw(`${receiver.url}/webhooks/samsara`, body, { ...headers, 'x-request-id': requestId });
      expect(res.status).toBe(401);
      sent.push(requestId);
    }
    const newest = sent.slice(-MAX_ENTRIES).reverse();
    const page = await eventually(
      () => kept('?limit=50'),
      (p) => p.items[0]?.requestId === newest[0],
    );
    expect(page.total).toBe(MAX_ENTRIES);
    expect(page.items.map((r: { requestId: string }) => r.requestId)).toEqual(newest);
    expect(await receiver.redis.xlen(`${prefix}refused`)).toBe(MAX_ENTRIES);
    expect(await receiver.redis.hlen(`${prefix}refused:bodies`)).toBe(MAX_ENTRIES);
    // Paged: two at a time, the second page continues where the first ended.
    const first = await kept('?limit=2');
    const second = await kept(`?limit=2&before=${first.next}`);
    expect([...first.items, ...second.items].map((r: { requestId: string }) => r.requestId)).toEqual(newest);
  });

  it('with Redis down, a refusal is answered the same, as fast, and counted as not kept', async () => {
    const down = await startIntakeReceiver({ env: { ...env, REDIS_KEY_PREFIX: uniquePrefix('refused-down'), REDIS_URL: `redis://127.0.0.1:${await freePort()}` } });
    try {
      const metric = async () => Number(/^webhook_refused_not_kept_total\{why="redis"\} (\d+)$/m.exec(await (await fetch(`${down.url}/metrics`)).text())?.[1] ?? 0);
      const before = await metric();
      const { body, headers } = forged();
      const [up, unreachable] = [await postRaw(`${receiver.url}/webhooks/samsara`, body, headers), await postRaw(`${down.url}/webhooks/samsara`, body, headers)];
      expect(unreachable.status).toBe(up.status);
      expect(unreachable.json).toEqual(up.json);
      expect(unreachable.ms).toBeLessThan(1000);
      await eventually(metric, (n) => n === before + 1);
    } finally {
      await down.close();
    }
  });
});

describe('redact', () => {
  const delivery = (target: string, query: Record<string, string>, headers: Record<string, string>): Delivery => ({
    headers,
    query,
    rawBody: Buffer.from('{}'),
    request: { method: 'POST', origin: 'http://localhost', target },
    receivedAt: new Date(),
  });

  it("replaces a source's query credential in the query and the target, and the usual credential headers always", () => {
    const out = redact(delivery('/webhooks/x?a=1&api%5Fkey=s3cret&b=2', { a: '1', api_key: 's3cret', b: '2' }, { cookie: 'sid=1', 'x-sig': 'abc' }), [{ query: 'api_key' }]);
    expect(out).toEqual({
      target: `/webhooks/x?a=1&api%5Fkey=${REDACTED}&b=2`,
      query: { a: '1', api_key: REDACTED, b: '2' },
      headers: { cookie: REDACTED, 'x-sig': 'abc' },
      redacted: ['header:cookie', 'query:api_key'],
      // Only the source's own credential makes re-verifying impossible.
      reverifiable: false,
    });
    expect(redact(delivery('/webhooks/x', {}, { cookie: 'sid=1' }), [{ query: 'api_key' }]).reverifiable).toBe(true);
  });

  it('keeps headers and parameters named like prototype members as they were sent', () => {
    const headers = Object.assign(Object.create(null) as Record<string, string | string[]>, { ['__proto__']: ['a', 'b'], constructor: 'c' });
    const query = Object.assign(Object.create(null) as Record<string, string>, { ['__proto__']: 'q' });
    const out = redact({ ...delivery('/webhooks/x?__proto__=q', {}, {}), headers, query });
    expect(JSON.parse(JSON.stringify({ headers: out.headers, query: out.query }))).toEqual(JSON.parse('{"headers":{"__proto__":["a","b"],"constructor":"c"},"query":{"__proto__":"q"}}'));
  });
});
