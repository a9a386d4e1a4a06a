import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { buildSourceInstances } from '../../../sources';
import type { Decision, SourceAdapter } from '../../../sources/types';
import { delivery, reason } from '../support';

/**
 * The presets against the vendors' own published example values (GitHub, Slack and Twilio publish
 * secret, request and signature; the Standard Webhooks library publishes a test vector), and Stripe
 * against an independent signer written here from its documentation. Every value below is copied
 * from the vendor's page named beside it; nothing is signed with our sender kit.
 */
function endpoint(entry: Record<string, unknown>): SourceAdapter {
  const instance = buildSourceInstances({ SOURCES_CONFIG: JSON.stringify({ vendor: entry }) }).find((i) => i.config.name === 'vendor');
  return instance!.adapter;
}

const at = (seconds: number) => new Date(seconds * 1000);
const routes = { 'invoice.paid': 'recordEventSaga' };

describe('presets against published examples', () => {
  it("github: the secret, payload and signature of GitHub's 'Validating webhook deliveries'", () => {
    const github = endpoint({ preset: 'github', secrets: ["It's a Secret to Everybody"], eventKey: 'body:id', eventType: 'body:action', routes });
    const d = delivery({ body: 'Hello, World!', headers: { 'x-hub-signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17' } });
    expect(reason(() => github.verify(d, new Date()))).toBe('accepted');
    const edited = delivery({ body: 'Hello, World?', headers: d.headers as Record<string, string> });
    expect(reason(() => github.verify(edited, new Date()))).toBe('signature_mismatch');
  });

  it("slack: the signing secret, timestamp, body and signature of Slack's 'Verifying requests from Slack'", () => {
    const slack = endpoint({ preset: 'slack', secrets: ['8f742231b10e8888abcd99yyyzzz85a5'], routes });
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    const headers = { 'x-slack-request-timestamp': '1531420618', 'x-slack-signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503' };
    expect(reason(() => slack.verify(delivery({ body, headers }), at(1531420618)))).toBe('accepted');
    // Five minutes and a second later the same request is a replay.
    expect(reason(() => slack.verify(delivery({ body, headers }), at(1531420618 + 301)))).toBe('timestamp_too_old');
  });

  it("twilio: the auth token, URL, parameters and signature of Twilio's 'Webhooks security' example", () => {
    const twilio = endpoint({ preset: 'twilio', secrets: ['12345'], publicUrl: 'https://mycompany.com/myapp.php', routes });
    const params = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' };
    // Form bodies come in any order: Twilio signs the parameters sorted by name.
    const body = new URLSearchParams(Object.entries(params).reverse()).toString();
    const headers = { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'RSOYDt4T1cUTdK1PDd93/VVr8B8=' };
    // The URL Twilio called is the configured one with the query as received, whatever proxy forwarded it.
    const called = (query: Record<string, string>) => delivery({ body, headers, query }, new Date(), 'http://10.0.0.7:3000/webhooks/vendor');
    expect(reason(() => twilio.verify(called({ foo: '1', bar: '2' }), new Date()))).toBe('accepted');
    expect(reason(() => twilio.verify(called({ bar: '2', foo: '1' }), new Date()))).toBe('signature_mismatch');
    expect(reason(() => twilio.verify(called({ foo: '1' }), new Date()))).toBe('signature_mismatch');
  });

  it('twilio with publicUrl "request": the URL is the one the receiver saw', () => {
    const twilio = endpoint({ preset: 'twilio', secrets: ['12345'], publicUrl: 'request', routes });
    const body = 'CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212';
    const headers = { 'x-twilio-signature': 'RSOYDt4T1cUTdK1PDd93/VVr8B8=' };
    const query = { foo: '1', bar: '2' };
    expect(reason(() => twilio.verify(delivery({ body, headers, query }, new Date(), 'https://mycompany.com/myapp.php'), new Date()))).toBe('accepted');
    expect(reason(() => twilio.verify(delivery({ body, headers, query }, new Date(), 'http://mycompany.com/myapp.php'), new Date()))).toBe('signature_mismatch');
  });

  it("standard-webhooks: the reference library's test vector", () => {
    const standard = endpoint({ preset: 'standard-webhooks', secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], routes });
    const headers = { 'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek', 'webhook-timestamp': '1614265330', 'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' };
    expect(reason(() => standard.verify(delivery({ body: '{"test": 2432232314}', headers }), at(1614265330)))).toBe('accepted');
  });

  it('stripe: an independent signer; any v1 of several verifies, v0 is another version, t is the signed timestamp', () => {
    const secret = 'whsec_test_5e3f0c1a9b2d4e6f8a0b1c2d3e4f5a6b';
    const stripe = endpoint({ preset: 'stripe', secrets: ['whsec_rotated_out', secret], routes });
    const body = '{"id":"evt_1","object":"event","type":"invoice.paid"}';
    const t = 1764581402;
    const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    const other = createHmac('sha256', 'another').update(`${t}.${body}`).digest('hex');
    const header = (value: string) => delivery({ body, headers: { 'stripe-signature': value } });
    expect(reason(() => stripe.verify(header(`t=${t},v1=${other},v1=${v1},v0=${'0'.repeat(64)}`), at(t + 10)))).toBe('accepted');
    expect(reason(() => stripe.verify(header(`t=${t + 1},v1=${v1}`), at(t + 10)))).toBe('signature_mismatch');
    expect(reason(() => stripe.verify(header(`v1=${v1}`), at(t)))).toBe('missing_timestamp');
    expect(reason(() => stripe.verify(header(`t=${t},t=${t},v1=${v1}`), at(t)))).toBe('malformed_timestamp');
    expect(reason(() => stripe.verify(header(`t=${t},v0=${v1}`), at(t)))).toBe('malformed_signature');
    expect(reason(() => stripe.verify(header(`t=${t},v1=${v1}`), at(t + 301)))).toBe('timestamp_too_old');
    expect(endpoint({ preset: 'stripe', secrets: [secret], routes }).decide(header(`t=${t},v1=${v1}`))).toMatchObject({ action: 'start', eventKey: 'evt_1', eventType: 'invoice.paid' });
  });
});

describe('handshakes and route filters', () => {
  it("slack: a signed url_verification is answered with its challenge as text, before any saga; an unsigned one is refused", () => {
    const secret = 'slack-signing-secret';
    const slack = endpoint({ preset: 'slack', secrets: [secret], routes: { app_mention: 'recordEventSaga' } });
    const body = '{"token":"t","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}';
    const ts = String(Math.floor(Date.now() / 1000));
    const signature = `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`;
    const d = delivery({ body, headers: { 'x-slack-request-timestamp': ts, 'x-slack-signature': signature } });
    expect(reason(() => slack.verify(d, new Date()))).toBe('accepted');
    expect(slack.decide(d)).toEqual<Decision>({ action: 'respond', status: 200, body: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P', contentType: 'text/plain' });
    expect(reason(() => slack.verify(delivery({ body, headers: { 'x-slack-request-timestamp': ts } }), new Date()))).toBe('missing_signature');
  });

  it('a JSON answer with a constant, an echoed field and an HMAC of a field (Zoom-style url_validation)', () => {
    const zoom = endpoint({
      kind: 'generic',
      secrets: ['zoom-secret-token'],
      signature: { header: 'x-zm-signature', prefix: 'v0=' },
      signedString: 'v0:{timestamp}:{body}',
      timestamp: { header: 'x-zm-request-timestamp' },
      eventKey: 'body:payload.object.uuid',
      eventType: 'body:event',
      handshakes: [{ when: { 'body:event': { equals: 'endpoint.url_validation' } }, json: { plainToken: 'body:payload.plainToken', encryptedToken: { hmac: 'body:payload.plainToken' }, v: { value: 1 } } }],
      routes: { 'meeting.started': 'recordEventSaga' },
    });
    const d = delivery({ body: '{"event":"endpoint.url_validation","payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"}}', headers: {} });
    const encryptedToken = createHmac('sha256', 'zoom-secret-token').update('qgg8vlvZRS6UYooatFL8Aw').digest('hex');
    expect(zoom.decide(d)).toEqual({ action: 'respond', status: 200, body: { plainToken: 'qgg8vlvZRS6UYooatFL8Aw', encryptedToken, v: 1 }, contentType: 'application/json' });
  });

  it('a route filter (equals / in / exists) on signed fields starts the saga only when it holds', () => {
    const filtered = endpoint({
      preset: 'stripe',
      secrets: ['s'],
      routes: { 'invoice.paid': { saga: 'recordEventSaga', when: { 'body:livemode': { equals: true }, 'body:data.object.currency': { in: ['usd', 'eur'] }, 'body:data.object.customer': { exists: true } } } },
    });
    const decide = (object: Record<string, unknown>, livemode = true) => filtered.decide(delivery({ body: JSON.stringify({ id: 'evt_1', type: 'invoice.paid', livemode, data: { object } }), headers: {} })).action;
    expect(decide({ currency: 'usd', customer: 'cus_1' })).toBe('start');
    expect(decide({ currency: 'eur', customer: 'cus_1' })).toBe('start');
    expect(decide({ currency: 'usd', customer: 'cus_1' }, false)).toBe('ignore');
    expect(decide({ currency: 'gbp', customer: 'cus_1' })).toBe('ignore');
    expect(decide({ currency: 'usd' })).toBe('ignore');
  });

  it('a fan-out starts every saga of the route whose filter holds, in the route\'s order', () => {
    const fanOut = endpoint({ preset: 'stripe', secrets: ['s'], routes: { 'invoice.paid': [{ saga: 'frontInboundSaga', when: { 'body:livemode': { equals: true } } }, 'recordEventSaga'] } });
    const decide = (livemode: boolean) => fanOut.decide(delivery({ body: JSON.stringify({ id: 'evt_1', type: 'invoice.paid', livemode }), headers: {} }));
    expect(decide(true)).toMatchObject({ action: 'start', eventKey: 'evt_1', sagas: ['frontInboundSaga', 'recordEventSaga'] });
    expect(decide(false)).toMatchObject({ action: 'start', eventKey: 'evt_1', sagas: ['recordEventSaga'] });
    const none = endpoint({ preset: 'stripe', secrets: ['s'], routes: { 'invoice.paid': [{ saga: 'recordEventSaga', when: { 'body:livemode': { equals: true } } }] } });
    expect(none.decide(delivery({ body: '{"id":"evt_1","type":"invoice.paid","livemode":false}', headers: {} }))).toMatchObject({ action: 'ignore', reason: 'the route filter does not match' });
  });
});

describe('asymmetric signatures against node:crypto as an independent signer', () => {
  it('ed25519 with a raw hex public key (as Discord shows it), two keys for a rotation', () => {
    const old = generateKeyPairSync('ed25519');
    const current = generateKeyPairSync('ed25519');
    const raw = (k: typeof old) => (k.publicKey.export({ format: 'jwk' }).x as string);
    const hex = (k: typeof old) => Buffer.from(raw(k), 'base64url').toString('hex');
    const discord = endpoint({
      kind: 'generic',
      scheme: 'ed25519',
      publicKeys: [hex(old), hex(current)],
      signature: { header: 'x-signature-ed25519' },
      timestamp: { header: 'x-signature-timestamp' },
      signedString: '{timestamp}{body}',
      eventKey: 'body:id',
      eventType: 'body:type',
      handshakes: [{ when: { 'body:type': { equals: 1 } }, json: { type: { value: 1 } } }],
      routes: { '2': 'recordEventSaga' },
    });
    const body = '{"id":"9","type":1}';
    const ts = String(Math.floor(Date.now() / 1000));
    for (const key of [old, current]) {
      const signature = sign(null, Buffer.from(ts + body), key.privateKey).toString('hex');
      const d = delivery({ body, headers: { 'x-signature-ed25519': signature, 'x-signature-timestamp': ts } });
      expect(reason(() => discord.verify(d, new Date()))).toBe('accepted');
      expect(discord.decide(d)).toMatchObject({ action: 'respond', body: { type: 1 } });
    }
    const other = sign(null, Buffer.from(ts + body), generateKeyPairSync('ed25519').privateKey).toString('hex');
    expect(reason(() => discord.verify(delivery({ body, headers: { 'x-signature-ed25519': other, 'x-signature-timestamp': ts } }), new Date()))).toBe('signature_mismatch');
  });
});

describe('configuration errors name the field', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['an unknown preset', { preset: 'stripee', secrets: ['s'], routes }, /SOURCES_CONFIG vendor\.preset: unknown preset "stripee" \(presets: stripe, github/],
    ['twilio without its public URL', { preset: 'twilio', secrets: ['s'], routes }, /SOURCES_CONFIG vendor\.signedString: uses \{url\} but no publicUrl/],
    ['github without an event key', { preset: 'github', secrets: ['s'], eventType: 'body:action', routes }, /SOURCES_CONFIG vendor\.eventKey/],
    ['an unsigned header as event type', { preset: 'github', secrets: ['s'], eventKey: 'body:id', eventType: 'header:x-github-event', routes }, /vendor\.eventType: header x-github-event is not covered by the signature/],
    ['a route filter on an unsigned header', { preset: 'stripe', secrets: ['s'], routes: { 'invoice.paid': { saga: 'recordEventSaga', when: { 'header:x-live': { equals: '1' } } } } }, /vendor\.routes\.invoice\.paid\.when\.header:x-live: header x-live is not covered/],
    ['a fan-out filter on an unsigned header', { preset: 'stripe', secrets: ['s'], routes: { 'invoice.paid': ['recordEventSaga', { saga: 'frontInboundSaga', when: { 'header:x-live': { equals: '1' } } }] } }, /vendor\.routes\.invoice\.paid\.1\.when\.header:x-live: header x-live is not covered/],
    ['a fan-out naming a saga twice, filtered or not', { preset: 'stripe', secrets: ['s'], routes: { 'invoice.paid': ['recordEventSaga', { saga: 'recordEventSaga', when: { 'body:livemode': { equals: true } } }] } }, /vendor\.routes\.invoice\.paid: names recordEventSaga twice/],
    ['a filter with an unknown condition', { preset: 'stripe', secrets: ['s'], routes: { 'invoice.paid': { saga: 'recordEventSaga', when: { 'body:livemode': { is: true } } } } }, /vendor\.routes\.invoice\.paid/],
    ['a public key that is not one', { kind: 'generic', scheme: 'ed25519', publicKeys: ['abc'], signature: { header: 'x-sig' }, eventKey: 'body:id', eventType: 'body:type', routes }, /vendor\.publicKeys\[0\]: not a public key/],
    ['an RSA key for ed25519', { kind: 'generic', scheme: 'ed25519', publicKeys: [generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' })], signature: { header: 'x-sig' }, eventKey: 'body:id', eventType: 'body:type', routes }, /vendor\.publicKeys\[0\]: a rsa key, not one for ed25519/],
    ['a token scheme without its location', { kind: 'generic', scheme: 'token', secrets: ['t'], eventKey: 'body:id', eventType: 'body:type', routes }, /vendor\.token: required for scheme token/],
    ['Basic credentials without a colon', { kind: 'generic', scheme: 'basic', secrets: ['nocolon'], eventKey: 'body:id', eventType: 'body:type', routes }, /vendor\.secrets\[0\]: Basic credentials are user:password/],
    ['a timestamp part without signature parts', { kind: 'generic', secrets: ['s'], signature: { header: 'x-sig' }, timestamp: { part: 't' }, signedString: '{timestamp}.{body}', eventKey: 'body:id', eventType: 'body:type', routes }, /vendor\.timestamp\.part: a timestamp part needs/],
    ['a template that does not cover the body', { kind: 'generic', secrets: ['s'], signature: { header: 'x-sig' }, signedString: '{method}', eventKey: 'body:id', eventType: 'body:type', routes }, /vendor\.signedString: must contain \{body\} or \{form\} exactly once/],
    ['{form} over a JSON body', { kind: 'generic', secrets: ['s'], signature: { header: 'x-sig' }, signedString: '{form}', eventKey: 'body:id', eventType: 'body:type', routes }, /vendor\.signedString: signs \{form\}, so the body must be a form/],
    ['a handshake with neither text nor json', { preset: 'stripe', secrets: ['s'], handshakes: [{ when: { 'body:type': { equals: 'ping' } } }], routes }, /vendor\.handshakes\.0: give either text or json/],
    ['a preset with a kind other than generic', { preset: 'stripe', kind: 'hmac', secrets: ['s'], routes }, /vendor\.preset: a preset is a generic endpoint/],
  ];
  it.each(cases)('refuses %s at start-up', (_label, entry, message) => {
    expect(() => endpoint(entry)).toThrow(message);
  });
});
