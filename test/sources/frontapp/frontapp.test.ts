import { createHmac } from 'node:crypto';
import { MalformedPayloadError } from '../../../core/errors';
import { frontapp } from '../../../sources/frontapp';
import { loadFixture } from '../../../sources/sender/fixtures';
import { delivery, reason } from '../support';

const SECRET = 'front-app-signing-secret';
const NOW = new Date('2026-11-24T17:02:20.000Z');
const app = frontapp.create(frontapp.configure({ FRONTAPP_WEBHOOK_SECRETS: SECRET })[0]!);
const rule = frontapp.create(frontapp.configure({ FRONTAPP_WEBHOOK_MODE: 'rule', FRONTAPP_WEBHOOK_SECRETS: SECRET })[0]!);
const appFixture = (name: string) => loadFixture(frontapp.sender.fixturesDir({ mode: 'app' } as never), name).body;
const ruleFixture = (name: string) => loadFixture(frontapp.sender.fixturesDir({ mode: 'rule' } as never), name).body;

/** Front's schemes, computed here from its docs with node:crypto, independent of the code under test. */
function appSigned(body: Buffer, extra: Record<string, string> = {}, timestamp = NOW.getTime()) {
  const signature = createHmac('sha256', SECRET).update(`${timestamp}:`).update(body).digest('base64');
  return delivery({ body, headers: { 'x-front-signature': signature, 'x-front-request-timestamp': String(timestamp), ...extra } }, NOW);
}
function ruleSigned(body: Buffer) {
  return delivery({ body, headers: { 'x-front-signature': createHmac('sha1', SECRET).update(body).digest('base64') } }, NOW);
}

describe('FrontApp application webhooks', () => {
  it('accepts a delivery signed as the docs describe and starts the inbound saga keyed by the event id', () => {
    const d = appSigned(appFixture('inbound'));
    expect(reason(() => app.verify(d, NOW))).toBe('accepted');
    expect(app.decide(d)).toMatchObject({ action: 'start', eventKey: 'evt_3a9f1c2b', eventType: 'inbound', sagas: ['frontInboundSaga'] });
  });

  it('refuses a timestamp outside five minutes either way (milliseconds)', () => {
    expect(reason(() => app.verify(appSigned(appFixture('tag'), {}, NOW.getTime() - 301_000), NOW))).toBe('timestamp_too_old');
    expect(reason(() => app.verify(appSigned(appFixture('tag'), {}, NOW.getTime() + 301_000), NOW))).toBe('timestamp_too_new');
    expect(reason(() => app.verify(appSigned(appFixture('tag'), {}, NOW.getTime() - 299_000), NOW))).toBe('accepted');
  });

  it.each([
    ['application/json', { challenge: 'ch4ll3nge' }, 'application/json'],
    ['application/x-www-form-urlencoded', 'challenge=ch4ll3nge', 'application/x-www-form-urlencoded'],
    ['text/plain', 'ch4ll3nge', 'text/plain'],
    [undefined, 'ch4ll3nge', 'text/plain'],
    ['*/*', 'ch4ll3nge', 'text/plain'],
    ['text/html, application/json;q=0.5, text/plain;q=0.9', 'ch4ll3nge', 'text/plain'],
    ['application/json;q=0, application/x-www-form-urlencoded', 'challenge=ch4ll3nge', 'application/x-www-form-urlencoded'],
  ])('answers the validation challenge in the format the request accepts (Accept: %s)', (accept, body, contentType) => {
    const d = appSigned(appFixture('sync-challenge'), { 'x-front-challenge': 'ch4ll3nge', ...(accept ? { accept } : {}) });
    expect(reason(() => app.verify(d, NOW))).toBe('accepted');
    expect(app.decide(d)).toEqual({ action: 'respond', status: 200, body, contentType, eventType: 'sync' });
  });

  it('url-encodes a challenge answered as a form', () => {
    const d = appSigned(appFixture('sync-challenge'), { 'x-front-challenge': 'a b&c=d', accept: 'application/x-www-form-urlencoded' });
    expect(app.decide(d)).toMatchObject({ body: 'challenge=a+b%26c%3Dd' });
  });

  it('never answers a challenge whose request is not signed', () => {
    const d = appSigned(appFixture('sync-challenge'), { 'x-front-challenge': 'ch4ll3nge' });
    expect(reason(() => app.verify({ ...d, headers: { ...d.headers, 'x-front-signature': 'AAAA' + String(d.headers['x-front-signature']).slice(4) } }, NOW))).toBe('signature_mismatch');
  });

  it('ignores a validation body without a challenge, and refuses an envelope without a payload', () => {
    expect(app.decide(appSigned(appFixture('sync-challenge')))).toMatchObject({ action: 'ignore', eventType: 'sync' });
    expect(() => app.decide(appSigned(Buffer.from('{"type":"inbound_received","authorization":{"id":"cmp_1"}}')))).toThrow(new MalformedPayloadError('missing_payload'));
  });
});

describe('FrontApp rule webhooks', () => {
  it('accepts HMAC-SHA1 of the raw body and keys by the event id in the body', () => {
    const d = ruleSigned(ruleFixture('comment'));
    expect(reason(() => rule.verify(d, NOW))).toBe('accepted');
    expect(rule.decide(d)).toMatchObject({ action: 'start', eventKey: 'evt_3a9f2c5d', eventType: 'comment', sagas: ['recordEventSaga'] });
  });

  it('has no handshake: a challenge header is not echoed, the body is decided on', () => {
    const d = ruleSigned(appFixture('sync-challenge'));
    expect(() => rule.decide({ ...d, headers: { ...d.headers, 'x-front-challenge': 'ch4ll3nge' } })).toThrow(new MalformedPayloadError('missing_id'));
  });
});

describe('FrontApp mode is the endpoint configuration, never guessed from the request', () => {
  it('refuses a rule-signed delivery at an app endpoint and an app-signed one at a rule endpoint', () => {
    expect(reason(() => app.verify(ruleSigned(ruleFixture('tag')), NOW))).toBe('missing_timestamp');
    // A SHA-256 signature has the wrong length for SHA-1: malformed before any comparison.
    expect(reason(() => rule.verify(appSigned(ruleFixture('tag')), NOW))).toBe('malformed_signature');
  });

  it('refuses an unknown mode at start-up, naming the variable', () => {
    expect(() => frontapp.configure({ FRONTAPP_WEBHOOK_MODE: 'auto' })).toThrow(/FRONTAPP_WEBHOOK_MODE/);
  });
});
