import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

/**
 * `npm run check-sources` on a user's own configuration, outside the repository: a file declaring
 * two hmac endpoints, each with its own fixture folder beside it (the second keys events on a field
 * the kind's sample fixtures lack, so sharing them would fail). The contract suite (a spawned jest,
 * given SOURCES_CONFIG and CONTRACT_SOURCES) passes for both, and fails on a broken fixture or a
 * secret the endpoint cannot use.
 */
const ROOT = resolve(__dirname, '..', '..');
const run = promisify(execFile);
let dir: string;

const scheme = {
  kind: 'hmac',
  signature: { header: 'x-acme-signature', encoding: 'hex', prefix: 'sha256=' },
  signedString: '{timestamp}.{body}',
  timestamp: { header: 'x-acme-timestamp' },
  eventType: 'body:type',
  routes: { 'order.created': 'recordEventSaga', 'order.paid': 'recordEventSaga' },
};
const config = {
  'acme-orders': { ...scheme, secretsEnv: 'ACME_ORDERS_SECRETS', eventKey: 'body:id', fixtures: 'fixtures/orders' },
  'acme-eu': { ...scheme, secretsEnv: 'ACME_EU_SECRETS', keyEncoding: 'hex', eventKey: 'body:event_id', fixtures: 'fixtures/eu' },
};
const secrets = { ACME_ORDERS_SECRETS: `old-${randomBytes(12).toString('hex')},new-${randomBytes(12).toString('hex')}`, ACME_EU_SECRETS: randomBytes(32).toString('hex') };

function writeFixture(folder: string, name: string, body: object): void {
  mkdirSync(join(dir, folder), { recursive: true });
  writeFileSync(join(dir, folder, `${name}.json`), JSON.stringify(body));
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'check-sources-'));
  writeFileSync(join(dir, 'sources.json'), JSON.stringify(config, null, 2));
  writeFixture('fixtures/orders', 'order-created', { id: 'ord_evt_1', type: 'order.created', order: { id: 'o-1' } });
  writeFixture('fixtures/orders', 'order-paid', { id: 'ord_evt_2', type: 'order.paid', order: { id: 'o-1' } });
  writeFixture('fixtures/eu', 'order-created', { event_id: 'eu_1', type: 'order.created' });
  writeFixture('fixtures/eu', 'order-paid', { event_id: 'eu_2', type: 'order.paid' });
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs the documented command from the user's directory; the jest report is on stderr. */
async function checkSources(file: string, env: NodeJS.ProcessEnv): Promise<{ code: number; report: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.CONTRACT_SOURCES;
  try {
    const { stdout, stderr } = await run(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'scripts', 'check-sources.ts'), '--config', file], { cwd: dir, env: childEnv, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, report: stdout + stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, report: e.stdout + e.stderr };
  }
}

it('passes the contract suite for every endpoint the file declares, each with its own fixtures', async () => {
  const { code, report } = await checkSources('sources.json', secrets);
  expect(report).toContain('contract suite for acme-orders, acme-eu');
  expect(report).toMatch(/✓ accepts every fixture[^\n]*\n/);
  expect(code).toBe(0);
  // Ten checks per endpoint and the coverage check, all passed, none skipped.
  const [, passed, total] = /Tests: +(\d+) passed, (\d+) total/.exec(report)!;
  expect(passed).toBe(total);
  expect(Number(passed)).toBeGreaterThanOrEqual(2 * 10 + 1);
  // Only the user's endpoints ran: each under its own label, no built-in source.
  for (const label of ['acme-orders (your SOURCES_CONFIG)', 'acme-eu (your SOURCES_CONFIG)']) expect(report).toContain(label);
  expect(report).not.toMatch(/samsara|example-hmac/);
}, 120_000);

it('fails on a fixture the endpoint cannot decide on, naming it', async () => {
  const broken = 'broken.json';
  cpSync(join(dir, 'fixtures'), join(dir, 'broken-fixtures'), { recursive: true });
  writeFixture('broken-fixtures/eu', 'order-refunded', { id: 'eu_3', type: 'order.paid' });
  writeFileSync(join(dir, broken), JSON.stringify({ 'acme-eu': { ...config['acme-eu'], fixtures: 'broken-fixtures/eu' } }));
  const { code, report } = await checkSources(broken, secrets);
  expect(code).not.toBe(0);
  expect(report).toContain('acme-eu (your SOURCES_CONFIG)');
  expect(report).toMatch(/✕ accepts every fixture/);
  expect(report).toContain('missing_event_key');
}, 120_000);

it('fails on a secret the endpoint cannot use, or none', async () => {
  const wrong = await checkSources('sources.json', { ...secrets, ACME_EU_SECRETS: 'not-hex' });
  expect(wrong.code).not.toBe(0);
  expect(wrong.report).toMatch(/SOURCES_CONFIG acme-eu\.secretsEnv \(ACME_EU_SECRETS\)\[0\]: not hex/);
  const none = await checkSources('sources.json', { ACME_ORDERS_SECRETS: secrets.ACME_ORDERS_SECRETS, ACME_EU_SECRETS: '' });
  expect(none.code).not.toBe(0);
  expect(none.report).toContain('acme-eu: no secret in this environment');
}, 120_000);

it('passes for vendor presets declared in the user file: its own fixtures for one, the preset’s form-bodied samples for another', async () => {
  const presets = {
    'shop-payments': { preset: 'stripe', secretsEnv: 'SHOP_STRIPE_SECRETS', fixtures: 'fixtures/stripe', routes: { 'payment_intent.succeeded': 'recordEventSaga' } },
    'shop-sms': { preset: 'twilio', secretsEnv: 'SHOP_TWILIO_SECRETS', publicUrl: 'https://shop.example.com/webhooks/shop-sms', routes: { received: 'recordEventSaga', delivered: 'recordEventSaga' } },
  };
  writeFileSync(join(dir, 'presets.json'), JSON.stringify(presets, null, 2));
  writeFixture('fixtures/stripe', 'payment-succeeded', { id: 'evt_3Qb1', object: 'event', type: 'payment_intent.succeeded', data: { object: { id: 'pi_1' } } });
  writeFixture('fixtures/stripe', 'payout-paid', { id: 'evt_3Qb2', object: 'event', type: 'payout.paid', data: { object: { id: 'po_1' } } });
  const { code, report } = await checkSources('presets.json', { SHOP_STRIPE_SECRETS: `whsec_old${randomBytes(8).toString('hex')},whsec_new${randomBytes(8).toString('hex')}`, SHOP_TWILIO_SECRETS: randomBytes(16).toString('hex') });
  expect(report).toContain('contract suite for shop-payments, shop-sms');
  for (const label of ['shop-payments (your SOURCES_CONFIG)', 'shop-sms (your SOURCES_CONFIG)']) expect(report).toContain(label);
  expect(code).toBe(0);
  const [, passed, total] = /Tests: +(\d+) passed, (\d+) total/.exec(report)!;
  expect(passed).toBe(total);
  expect(Number(passed)).toBeGreaterThanOrEqual(2 * 10 + 1);
}, 120_000);

it('passes for an asymmetric endpoint of the user, signed with the private key CONTRACT_SIGNING_KEY_<ENDPOINT> names', async () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519', { publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  const entry = {
    kind: 'generic',
    scheme: 'ed25519',
    publicKeysEnv: 'SHOP_BOT_PUBLIC_KEYS',
    signature: { header: 'x-signature-ed25519' },
    timestamp: { header: 'x-signature-timestamp' },
    signedString: '{timestamp}{body}',
    eventKey: 'body:id',
    eventType: 'body:type',
    fixtures: 'fixtures/orders',
    routes: { 'order.created': 'recordEventSaga', 'order.paid': 'recordEventSaga' },
  };
  writeFileSync(join(dir, 'asymmetric.json'), JSON.stringify({ 'shop-bot': entry }));
  writeFileSync(join(dir, 'shop-bot.pem'), privateKey);
  const without = await checkSources('asymmetric.json', { SHOP_BOT_PUBLIC_KEYS: publicKey });
  expect(without.code).not.toBe(0);
  expect(without.report).toContain('CONTRACT_SIGNING_KEY_SHOP_BOT');
  const { code, report } = await checkSources('asymmetric.json', { SHOP_BOT_PUBLIC_KEYS: publicKey, CONTRACT_SIGNING_KEY_SHOP_BOT: join(dir, 'shop-bot.pem') });
  expect(report).toContain('shop-bot (your SOURCES_CONFIG)');
  expect(code).toBe(0);
}, 120_000);
