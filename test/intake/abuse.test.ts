import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { signSamsara } from '../../sources/samsara/verify';
import { eventually } from '../support/eventually';
import { fixtureWith } from '../support/fixtures';
import { uniqueTaskQueue } from '../support/temporal';
import { capturingLogger } from './support/logs';
import { deletePrefix, postRaw, startIntakeReceiver, uniquePrefix, type IntakeReceiver } from './support/receiver';

/**
 * Abusive clients: floods (rate limit held in Redis across receivers), slow headers and slow bodies,
 * oversized headers and bodies, and whether anything secret reaches the logs.
 */
const SECRET = Buffer.from('abuse-secret-value').toString('base64');
const prefix = uniquePrefix('abuse');
const log = capturingLogger();
const env = {
  SAMSARA_WEBHOOK_SECRETS: SECRET,
  TEMPORAL_TASK_QUEUE: uniqueTaskQueue('abuse'),
  REDIS_KEY_PREFIX: prefix,
  HEADERS_TIMEOUT_MS: '1000',
  BODY_READ_TIMEOUT_MS: '500',
  MAX_HEADER_BYTES: '8kb',
  BODY_LIMIT: '64kb',
  RATE_LIMIT_PER_SECOND: '1000',
  RATE_LIMIT_OVERRIDES: 'samsara=6',
};

let a: IntakeReceiver;
let b: IntakeReceiver;

beforeAll(async () => {
  a = await startIntakeReceiver({ env, logger: log.logger });
  b = await startIntakeReceiver({ env });
});

afterAll(async () => {
  await deletePrefix(a.redis, prefix);
  await a?.close();
  await b?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Opens a raw connection to a receiver, for requests no well-behaved client would make. */
function raw(url: string): Promise<{ socket: Socket; received: () => string; closed: Promise<number> }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let data = '';
    const started = Date.now();
    const closed = new Promise<number>((done) => socket.once('close', () => done(Date.now() - started)));
    socket.on('data', (chunk) => (data += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve({ socket, received: () => data, closed }));
    socket.once('error', reject);
  });
}

function statusOf(response: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
}

describe('flooding', () => {
  it("limits a source's verified deliveries across receiver processes (the count is in Redis): 429 with Retry-After", async () => {
    // All of it inside one one-second window; on a loaded machine a batch can straddle the next
    // one, which proves nothing either way, so it is sent again in a fresh window.
    let results: Awaited<ReturnType<typeof postRaw>>[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      await sleep(1000 - (Date.now() % 1000) + 20);
      const window = Math.floor(Date.now() / 1000);
      const body = fixtureWith('samsara', 'route-stop-arrival', { eventId: randomUUID() });
      const signed = signSamsara(body, SECRET, window);
      results = await Promise.all(Array.from({ length: 16 }, (_, i) => postRaw(`${(i % 2 ? a : b).url}/webhooks/samsara`, body, signed)));
      if (Math.floor(Date.now() / 1000) === window) break;
    }
    const limited = results.filter((r) => r.status === 429);
    expect(results.length - limited.length).toBe(6); // SAMSARA's override, shared by both receivers
    expect(limited[0]!.headers.get('retry-after')).toBe('1');
    expect(limited[0]!.json).toEqual({ error: 'rate_limited' });
  });

  it('still counts in Redis, each window with its expiry, after Redis forgot the counting script (a restart)', async () => {
    await a.redis.script('FLUSH');
    await sleep(1000 - (Date.now() % 1000) + 20);
    const window = Math.floor(Date.now() / 1000);
    const body = fixtureWith('samsara', 'route-stop-arrival', { eventId: randomUUID() });
    const res = await postRaw(`${a.url}/webhooks/samsara`, body, signSamsara(body, SECRET, window));
    expect(res.status).toBe(202);
    const key = `${prefix}ratelimit:samsara:${window}`;
    expect(await a.redis.get(key)).toBe('1');
    const ttl = await a.redis.ttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(2);
  });

  it('answers unknown sources 404 without counting them in Redis', async () => {
    const res = await postRaw(`${a.url}/webhooks/nobody`, '{}', {});
    expect(res.status).toBe(404);
    expect(await a.redis.keys(`${prefix}ratelimit:nobody:*`)).toEqual([]);
    expect((await a.redis.keys(`${prefix}ratelimit:samsara:*`)).length).toBeGreaterThan(0);
  });
});

describe('slow and oversized requests', () => {
  it('drops a client that never finishes its headers (408, connection closed) within the headers timeout', async () => {
    const c = await raw(a.url);
    c.socket.write('POST /webhooks/samsara HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n');
    const closedAfter = await c.closed;
    expect(closedAfter).toBeLessThan(3000);
    expect(statusOf(c.received())).toBe(408);
  });

  it('drops a client that dribbles its body: 408 after the body-read timeout, connection closed', async () => {
    const c = await raw(a.url);
    c.socket.write('POST /webhooks/samsara HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"eventId":');
    const closedAfter = await c.closed;
    expect(statusOf(c.received())).toBe(408);
    expect(c.received()).toContain('body_read_timeout');
    expect(closedAfter).toBeLessThan(2000);
  });

  it('refuses headers over MAX_HEADER_BYTES with 431', async () => {
    const res = await postRaw(`${a.url}/webhooks/samsara`, '{}', { 'x-padding': 'p'.repeat(16 * 1024) });
    expect(res.status).toBe(431);
  });

  it('refuses a declared oversized body with 413 before any of it is sent', async () => {
    const c = await raw(a.url);
    c.socket.write('POST /webhooks/samsara HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10485760\r\n\r\n');
    await c.closed;
    expect(statusOf(c.received())).toBe(413);
  });

  it('stops reading an undeclared (chunked) body as soon as it passes the limit: 413, connection closed', async () => {
    const c = await raw(a.url);
    c.socket.write('POST /webhooks/samsara HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
    const chunk = 'x'.repeat(16 * 1024);
    let sent = 0;
    while (!c.received() && sent < 8 * 1024 * 1024 && !c.socket.destroyed) {
      c.socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
      sent += chunk.length;
      await sleep(1);
    }
    await c.closed;
    expect(statusOf(c.received())).toBe(413);
    expect(sent).toBeLessThan(2 * 1024 * 1024); // answered long before an attacker's 8 MiB
  });
});

describe('secret leakage', () => {
  it('never writes secrets, signatures or bodies to the logs, whatever the outcome', async () => {
    const marker = `body-marker-${randomUUID()}`;
    const body = fixtureWith('samsara', 'route-stop-arrival', { eventId: randomUUID(), note: marker });
    const signed = signSamsara(body, SECRET, Math.floor(Date.now() / 1000));
    await sleep(1000 - (Date.now() % 1000) + 20); // a fresh rate-limit window
    // The repeat after the first answer: sent together, the second could find the first still in
    // the outbox (on a loaded machine) and be answered 202 for the start it then makes.
    const accepted = await postRaw(`${a.url}/webhooks/samsara`, body, signed);
    if (accepted.json?.queued) await eventually(() => a.client.workflow.getHandle(accepted.json.workflowId).describe().then(() => true, () => false), Boolean, { timeoutMs: 15_000 });
    const outcomes = await Promise.all([
      accepted,
      postRaw(`${a.url}/webhooks/samsara`, body, signed), // duplicate
      postRaw(`${a.url}/webhooks/samsara`, body, { ...signed, 'x-samsara-signature': `v1=${'0'.repeat(64)}` }), // forged
      postRaw(`${a.url}/webhooks/samsara`, Buffer.from(`{"eventId": "${marker}"`), signSamsara(`{"eventId": "${marker}"`, SECRET, Math.floor(Date.now() / 1000))), // malformed
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual([200, 202, 400, 401]);
    const everything = log.lines.join('\n');
    expect(log.lines.length).toBeGreaterThan(0);
    for (const leak of [SECRET, Buffer.from(SECRET, 'base64').toString(), signed['x-samsara-signature']!.slice(3), marker]) {
      expect(everything).not.toContain(leak);
    }
  });
});
