import { randomUUID } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { signSamsara } from '../../sources/samsara/verify';
import { redisKeys } from '../../src/intake/redis';
import { redisPayloadStore } from '../../src/intake/payload-store';
import { sealer } from '../../src/intake/sealing';
import { EncryptionCodec, newPayloadKey, parsePayloadKeys } from '../../src/temporal/codec';
import { eventually, until } from '../support/eventually';
import { fixtureWith } from '../support/fixtures';
import { uniqueTaskQueue } from '../support/temporal';
import { capturingLogger } from './support/logs';
import { deletePrefix, postRaw, startIntakeReceiver, uniquePrefix, type IntakeReceiver } from './support/receiver';

/**
 * With PAYLOAD_ENCRYPTION_KEYS set, the vendor data the intake keeps in Redis (queued starts' events,
 * large events) is ciphertext there, as it is in Temporal's history; the saga still gets the event.
 */
const SECRET = Buffer.from('at-rest-secret').toString('base64');
const KEYS = newPayloadKey('rest1');
const prefix = uniquePrefix('at-rest');
const env = { SAMSARA_WEBHOOK_SECRETS: SECRET, TEMPORAL_TASK_QUEUE: uniqueTaskQueue('at-rest'), REDIS_KEY_PREFIX: prefix, PAYLOAD_ENCRYPTION_KEYS: KEYS };

let cutOff: IntakeReceiver;

beforeAll(async () => {
  // Temporal never answers this one: every start waits in the outbox.
  cutOff = await startIntakeReceiver({ env: { ...env, TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_START_TIMEOUT_MS: '1000' } });
});

afterAll(async () => {
  await deletePrefix(cutOff.redis, prefix);
  await cutOff?.close();
});

it('a queued start keeps its event encrypted in the outbox; only a forwarder with the key starts it, with the event intact', async () => {
  const marker = `Maria-Ortega-${randomUUID()}`;
  const eventId = randomUUID();
  const body = fixtureWith('samsara', 'route-stop-arrival', { eventId, note: marker });
  const res = await postRaw(`${cutOff.url}/webhooks/samsara`, body, signSamsara(body, SECRET, Math.floor(Date.now() / 1000)));
  expect(res.status).toBe(202);
  expect(res.json.queued).toBe(true);
  const workflowId = res.json.workflowId as string;

  const [entry] = await cutOff.redis.xrange(redisKeys(prefix).outbox, '-', '+');
  const fields = entry![1];
  const stored = fields[fields.indexOf('start') + 1]!;
  expect(stored).not.toContain(marker);
  // What an operator needs to find it stays readable.
  expect(JSON.parse(stored)).toMatchObject({ workflowId, input: { meta: { source: 'samsara', eventKey: eventId }, sealedEvent: expect.any(String) } });

  // A forwarder without the key leaves the entry where it is (never a dead letter) and says why.
  const log = capturingLogger();
  const keyless = await startIntakeReceiver({ env: { ...env, PAYLOAD_ENCRYPTION_KEYS: '' }, logger: log.logger, forwarder: { claimIdleMs: 200 } });
  try {
    await until(async () => log.lines.some((l) => l.includes('cannot be decrypted here')), 15_000, 'the keyless forwarder tried the entry');
    expect(await keyless.parts.outbox.stats()).toMatchObject({ backlog: 1, deadLetters: 0 });
    expect(log.entries().find((e) => String(e.message).includes('cannot be decrypted'))?.error).toMatch(/key "rest1"/);
  } finally {
    await keyless.close();
  }

  const forwarding = await startIntakeReceiver({ env, forwarder: { claimIdleMs: 200 } });
  try {
    await eventually(() => forwarding.parts.outbox.stats(), (s) => s.backlog === 0, { timeoutMs: 20_000 });
    const history = await forwarding.client.workflow.getHandle(workflowId).fetchHistory();
    const [payload] = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads!;
    // Ciphertext in Temporal too; decoded with the key, the saga's input holds the vendor's event.
    expect(Buffer.from(payload!.data!).toString('latin1')).not.toContain(marker);
    const [opened] = await new EncryptionCodec(parsePayloadKeys(KEYS)).decode([payload!]);
    expect(defaultPayloadConverter.fromPayload<{ event: { note: string; eventId: string } }>(opened!).event).toMatchObject({ note: marker, eventId });
  } finally {
    await forwarding.close();
  }
});

it('the large-event store keeps ciphertext under the plain content hash, and gives the plain bytes back', async () => {
  const keys = parsePayloadKeys(KEYS);
  const store = redisPayloadStore(cutOff.redis, { prefix, ttlSeconds: 60, sealing: sealer(keys) });
  const marker = `Aurora-Cold-Storage-${randomUUID()}`;
  const bytes = Buffer.from(JSON.stringify({ stop: marker, pad: 'x'.repeat(100_000) }));
  const ref = await store.put(bytes);
  const raw = (await cutOff.redis.getBuffer(redisKeys(prefix).payload(ref.key)))!;
  expect(raw.toString('latin1')).not.toContain(marker);
  expect((await store.get(ref))!.equals(bytes)).toBe(true);
  // A worker missing the key fails loudly instead of handing the saga ciphertext.
  await expect(redisPayloadStore(cutOff.redis, { prefix, ttlSeconds: 60 }).get(ref)).rejects.toThrow(/key "rest1"/);
});

it('a refused request kept for re-processing keeps its body encrypted, and gives it back', async () => {
  const marker = `Dock-3-${randomUUID()}`;
  const body = fixtureWith('samsara', 'route-stop-arrival', { eventId: randomUUID(), note: marker });
  const forged = signSamsara(body, Buffer.from('not-the-secret').toString('base64'), Math.floor(Date.now() / 1000));
  expect((await postRaw(`${cutOff.url}/webhooks/samsara`, body, forged)).status).toBe(401);
  const kept = await eventually(() => cutOff.parts.refused.list({ source: 'samsara' }, { limit: 10 }), (page) => page.items.length > 0, { timeoutMs: 10_000 });
  const entry = kept.items[0]!;
  const raw = (await cutOff.redis.hgetBuffer(redisKeys(prefix).refusedBodies, entry.id))!;
  expect(raw.toString('latin1')).not.toContain(marker);
  expect((await cutOff.parts.refused.body(entry))!.equals(body)).toBe(true);
});
