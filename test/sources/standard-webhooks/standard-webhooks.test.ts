import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { standardWebhooks } from '../../../sources/standard-webhooks';
import { loadFixture, listFixtures } from '../../../sources/sender/fixtures';
import { delivery, reason } from '../support';

/** The `standardwebhooks` package is the reference implementation: its signatures verify here, ours there. */
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const [config] = standardWebhooks.configure({ SOURCES_CONFIG: JSON.stringify({ billing: { kind: 'standard-webhooks', secrets: ['whsec_b2xkLXNlY3JldC0wMDAx', SECRET], routes: { 'invoice.paid': 'recordEventSaga' } } }) });
const adapter = standardWebhooks.create(config!);
const dir = standardWebhooks.sender.fixturesDir(config!);
const reference = new Webhook(SECRET);

describe('Standard Webhooks against the reference package', () => {
  it.each(listFixtures(dir))('accepts the package signature of %s, with the second configured secret', (name) => {
    const fixture = loadFixture(dir, name);
    const now = new Date();
    const id = fixture.headers['webhook-id']!;
    const headers = { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': reference.sign(id, now, fixture.body) };
    expect(reason(() => adapter.verify(delivery({ body: fixture.body, headers }), now))).toBe('accepted');
  });

  it('signs what the package verifies, for any UTF-8 body', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        const signed = standardWebhooks.sender.sign({ body: Buffer.from(text), headers: { 'webhook-id': `msg_${randomUUID()}` }, query: {} }, config!, { now: new Date(), key: SECRET });
        reference.verify(text, signed.headers as Record<string, string>, { jsonParse: false });
        return true;
      }),
      { numRuns: 100 },
    );
  });

  it('refuses what the package refuses: another body, another id, an old timestamp', () => {
    const fixture = loadFixture(dir, 'invoice-paid');
    const now = new Date();
    const signed = standardWebhooks.sender.sign(fixture, config!, { now, key: SECRET });
    const spoilt = [
      { ...signed, body: Buffer.from(signed.body.toString().replace('2480.00', '24800.00')) },
      { ...signed, headers: { ...signed.headers, 'webhook-id': 'msg_other' } },
      standardWebhooks.sender.sign(fixture, config!, { now: new Date(now.getTime() - 600_000), key: SECRET }),
    ];
    for (const d of spoilt) {
      expect(() => reference.verify(d.body.toString(), d.headers as Record<string, string>)).toThrow();
      expect(reason(() => adapter.verify(delivery(d), now))).not.toBe('accepted');
    }
  });

  it('uses webhook-id as the event key, so a retry with a new timestamp is the same workflow', () => {
    const fixture = loadFixture(dir, 'invoice-paid');
    const first = standardWebhooks.sender.sign(fixture, config!, { now: new Date(Date.now() - 30_000), key: SECRET });
    const retry = standardWebhooks.sender.sign(fixture, config!, { now: new Date(), key: SECRET });
    expect(first.headers['webhook-signature']).not.toBe(retry.headers['webhook-signature']);
    const key = (d: typeof first) => (adapter.decide(delivery(d)) as { eventKey: string }).eventKey;
    expect(key(first)).toBe(fixture.headers['webhook-id']);
    expect(key(retry)).toBe(key(first));
  });
});
