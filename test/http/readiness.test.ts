import { deletePrefix, readiness, startIntakeReceiver, uniquePrefix, type IntakeReceiver } from '../intake/support/receiver';
import { freePort } from '../support/ports';

/** /readyz is unauthenticated: it reports states, never an error's text (which carries internal addresses). */
let receiver: IntakeReceiver;
let deadAddress: string;
const prefix = uniquePrefix('readiness');

beforeAll(async () => {
  // Nothing answers there, as for a Temporal that is down.
  deadAddress = `127.0.0.1:${await freePort()}`;
  receiver = await startIntakeReceiver({ env: { TEMPORAL_ADDRESS: deadAddress, REDIS_KEY_PREFIX: prefix } });
});

afterAll(async () => {
  await deletePrefix(receiver.redis, prefix);
  await receiver?.close();
});

it('says Temporal is down (degraded) without its error or address', async () => {
  const ready = await readiness(receiver.url);
  expect(ready).toMatchObject({ status: 200, json: { status: 'degraded', degraded: ['temporal'], checks: { temporal: { ok: false }, redis: { ok: true } } } });
  expect(ready.json.checks.temporal).toEqual({ ok: false });
  const text = JSON.stringify(ready.json);
  expect(text).not.toContain(deadAddress);
  expect(text).not.toMatch(/error|ECONNREFUSED|deadline/i);
});
