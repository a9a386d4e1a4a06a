import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { signSamsara } from '../../sources/samsara/verify';
import { workflowIdFor } from '../../core/workflow-id';
import { fixtureWith } from '../support/fixtures';
import { uniqueTaskQueue } from '../support/temporal';
import { DIRECT_STARTS } from '../support/receiver';
import { deletePrefix, postRaw, startIntakeReceiver, uniquePrefix, type IntakeReceiver } from './support/receiver';

/**
 * Slow uploads of large bodies cannot take the memory every vendor's deliveries need: each delivery
 * reserves its body's size before it is read. Stallers (raw sockets that declare 64 KiB and send a
 * few bytes) from other loopback addresses hold the budget; the vendor on 127.0.0.1 is refused only
 * while the whole budget is held, and is answered (and its saga started, per Temporal) once the
 * stallers are cut off by the body timeout.
 */
const SECRET = Buffer.from('body-memory-secret').toString('base64');
const prefix = uniquePrefix('body-memory');
const taskQueue = uniqueTaskQueue('body-memory');
const env = {
  ...DIRECT_STARTS,
  SAMSARA_WEBHOOK_SECRETS: SECRET,
  TEMPORAL_TASK_QUEUE: taskQueue,
  REDIS_KEY_PREFIX: prefix,
  BODY_LIMIT: '64kb',
  BODY_MEMORY_PER_CLIENT_BYTES: '128kb',
  BODY_MEMORY_BYTES: '256kb',
  BODY_READ_TIMEOUT_MS: '2500',
  // The stallers' 408s would cut their addresses off: this test is about memory, not that budget.
  RATE_LIMIT_FAILURES_PER_SECOND: '0',
};
const DECLARED = 64 * 1024;

let receiver: IntakeReceiver;
const sockets: Socket[] = [];

beforeAll(async () => {
  receiver = await startIntakeReceiver({ env });
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  for await (const info of receiver.client.workflow.list({ query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'` })) {
    await receiver.client.workflow.getHandle(info.workflowId).terminate('test done').catch(() => undefined);
  }
  await deletePrefix(receiver.redis, prefix);
  await receiver?.close();
});

interface Staller {
  /** The answer's first line and headers, once one came. */
  answer: Promise<string>;
}

/** A delivery from `from` that declares 64 KiB and sends 10 bytes of it, then nothing. */
function stall(from: string): Promise<Staller> {
  const { port } = new URL(receiver.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ port: Number(port), host: '127.0.0.1', localAddress: from });
    sockets.push(socket);
    let data = '';
    const answer = new Promise<string>((done) => {
      socket.on('data', (chunk) => {
        data += chunk.toString('latin1');
        if (data.includes('\r\n\r\n')) done(data);
      });
      socket.once('close', () => done(data));
    });
    socket.on('error', () => undefined);
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.write(`POST /webhooks/samsara HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${DECLARED}\r\n\r\n{"eventId"`);
      resolve({ answer });
    });
  });
}

/** Resolves once the receiver has reserved `bytes`, read from its own gauge. */
async function held(bytes: number): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const text = await (await fetch(`${receiver.url}/metrics`)).text();
    const value = Number(/^webhook_body_bytes_in_flight (\d+)$/m.exec(text)?.[1]);
    if (value === bytes) return;
    if (Date.now() > deadline) throw new Error(`bytes in flight: ${value}, expected ${bytes}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Temporal's own answer (describe): is there a saga for this event? */
function started(eventId: string): Promise<boolean> {
  return receiver.client.workflow
    .getHandle(workflowIdFor('samsara', eventId))
    .describe()
    .then(() => true, () => false);
}

function deliver(eventId: string) {
  const body = fixtureWith('samsara', 'route-stop-arrival', { eventId });
  return postRaw(`${receiver.url}/webhooks/samsara`, body, signSamsara(body, SECRET, Math.floor(Date.now() / 1000)));
}

describe('the memory deliveries may hold', () => {
  it('refuses a staller past its share (429) and everyone only while the whole is held (503); the vendor is answered once it frees', async () => {
    // 127.0.0.2 takes its share; a third upload from it is refused at once, before its body is read.
    const first = [await stall('127.0.0.2'), await stall('127.0.0.2')];
    await held(2 * DECLARED);
    const third = await stall('127.0.0.2');
    expect(await third.answer).toMatch(/^HTTP\/1\.1 429 [^\r]*\r\n(?:.*\r\n)*retry-after: 1\r\n/i);
    expect(await third.answer).toMatch(/^x-request-id: /im);

    // The vendor has room of its own: accepted, and its saga exists in Temporal.
    const before = randomUUID();
    const accepted = await deliver(before);
    expect([accepted.status, accepted.json.duplicate]).toEqual([202, false]);
    expect(await started(before)).toBe(true);

    // Another address takes the rest: now nobody is let in, the vendor neither, and nothing starts.
    const second = [await stall('127.0.0.3'), await stall('127.0.0.3')];
    await held(4 * DECLARED);
    const eventId = randomUUID();
    const refused = await deliver(eventId);
    expect([refused.status, refused.json, refused.headers.get('retry-after')]).toEqual([503, { error: 'busy' }, '1']);
    expect(await started(eventId)).toBe(false);

    // The body timeout cuts the stallers off (408) and gives their memory back; the vendor's retry is taken.
    for (const staller of [...first, ...second]) expect(await staller.answer).toMatch(/^HTTP\/1\.1 408 /);
    await held(0);
    const retried = await deliver(eventId);
    expect([retried.status, retried.json.duplicate]).toEqual([202, false]);
    expect(await started(eventId)).toBe(true);
    await held(0);
  });
});
