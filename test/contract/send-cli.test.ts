import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { DEV_SECRETS } from '../../src/dev-secrets';
import { DIRECT_STARTS, startReceiver, type TestReceiver } from '../support/receiver';
import { uniqueTaskQueue } from '../support/temporal';
import type { WebhookJson } from '../support/answers';

/** The sender CLI (npm run send) against a real receiver configured with the dev secrets, as `npm run dev` is. */
const ROOT = resolve(__dirname, '..', '..');
const run = promisify(execFile);
let receiver: TestReceiver;
const workflowIds: string[] = [];

beforeAll(async () => {
  receiver = await startReceiver({ ...DEV_SECRETS, TEMPORAL_TASK_QUEUE: uniqueTaskQueue('send-cli'), ...DIRECT_STARTS });
});

afterAll(async () => {
  for (const id of workflowIds) await receiver.client.workflow.getHandle(id).terminate('send CLI test done').catch(() => undefined);
  await receiver?.close();
});

function send(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return sendTo(receiver.url, {}, ...args);
}

/** The CLI as a user runs it: none of the dev secrets in the environment but those in `extra`. */
async function sendTo(url: string, extra: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const env = { ...process.env };
  for (const name of Object.keys(DEV_SECRETS)) delete env[name];
  Object.assign(env, extra);
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'scripts/send.ts', ...args, '--url', url], { cwd: ROOT, env });
    workflowIds.push(...[...stdout.matchAll(/"workflowId":"([^"]+)"/g)].map((m) => m[1]!));
    return { code: 0, out: stdout, err: stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout, err: e.stderr };
  }
}

/** The `#n <status> <json>` lines the CLI prints, parsed. */
function answers(out: string): [number, WebhookJson][] {
  return [...out.matchAll(/^ {2}#\d+ (\d{3}) (.*)$/gm)].map((m) => [Number(m[1]), JSON.parse(m[2]!) as WebhookJson]);
}

describe('npm run send', () => {
  it('sends the sample the main job prints: a fresh Samsara route-stop arrival starts a saga', async () => {
    const { code, out } = await send('samsara', 'route-stop-arrival', '--fresh');
    expect(code).toBe(0);
    expect(out).toMatch(/RouteStopArrival → samsaraRouteStopSaga, workflow samsara:/);
    expect(answers(out)).toEqual([[202, { workflowId: expect.stringMatching(/^samsara:/), runId: expect.any(String), duplicate: false }]]);
  });

  it('repeats one event as a vendor retries it: one saga, then duplicates', async () => {
    const { out } = await send('frontapp', 'inbound', '--fresh', '--repeat', '3');
    const [first, ...retries] = answers(out);
    expect(first).toEqual([202, expect.objectContaining({ workflowId: expect.stringMatching(/^frontapp:evt_/), duplicate: false })]);
    expect(retries).toEqual([
      [200, { workflowId: first![1].workflowId, duplicate: true }],
      [200, { workflowId: first![1].workflowId, duplicate: true }],
    ]);
  });

  it.each([
    [['turvo', 'shipment-status-update', '--fresh', '--tamper', 'signature'], 'token_mismatch'],
    [['example-hmac', 'appointment-checked-in', '--fresh', '--tamper', 'body'], 'signature_mismatch'],
    [['example-standard', 'invoice-paid', '--fresh', '--tamper', 'timestamp'], 'timestamp_too_old'],
  ])('tampers on purpose: %j is refused with 401 %s', async (args, reason) => {
    const { code, out } = await send(...args);
    expect(code).toBe(0);
    expect(out).toContain(`expect 401 ${reason}`);
    expect(out).toContain(`#1 401 {"error":"${reason}"}`);
  });

  it('answers the FrontApp handshake fixture with the challenge', async () => {
    const { out } = await send('frontapp', 'sync-challenge');
    expect(out).toContain('#1 200 {"challenge":"7mQ2vXk9LpR4tYc8"}');
  });

  it('signs with another secret when told (and the receiver refuses it)', async () => {
    const { out } = await send('samsara', 'route-stop-arrival', '--fresh', '--secret', Buffer.from('not-the-dev-secret').toString('base64'));
    expect(out).toContain('#1 401 {"error":"signature_mismatch"}');
  });

  it('lists the sources and their fixtures, and explains a wrong name', async () => {
    const listing = await send('--list');
    expect(listing.out).toMatch(/^samsara\s+address-created, alert-incident, document-submitted/m);
    expect(listing.out).toMatch(/^example-standard\s+customer-updated, invoice-paid, shipment-delivered/m);
    const wrong = await send('samsra', 'route-stop-arrival');
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain('no source "samsra"; configured: samsara, frontapp, turvo');
    const noTimestamp = await send('turvo', 'order-create', '--tamper', 'timestamp');
    expect([noTimestamp.code, noTimestamp.err]).toEqual([1, '[send] turvo signs no timestamp: there is nothing to make stale\n']);
  });
});

describe('npm run send to an endpoint declared in your own SOURCES_CONFIG', () => {
  const secret = randomBytes(16).toString('hex');
  let dir: string;
  let own: TestReceiver;
  let userEnv: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'send-declared-'));
    mkdirSync(join(dir, 'fixtures'));
    // Any extension: the body is sent as the bytes in the file.
    writeFileSync(join(dir, 'fixtures', 'order-paid.txt'), JSON.stringify({ order_ref: 'ord-1', kind: 'order.paid' }));
    const entry = { kind: 'hmac', secretsEnv: 'ACME_ORDERS_SECRETS', signature: { header: 'x-acme-signature' }, eventKey: 'body:order_ref', eventType: 'body:kind', routes: { 'order.paid': 'recordEventSaga' }, fixtures: 'fixtures' };
    writeFileSync(join(dir, 'sources.json'), JSON.stringify({ 'acme-orders': entry }));
    userEnv = { SOURCES_CONFIG: join(dir, 'sources.json'), ACME_ORDERS_SECRETS: secret };
    own = await startReceiver({ ...userEnv, TEMPORAL_TASK_QUEUE: uniqueTaskQueue('send-declared'), ...DIRECT_STARTS });
  });

  afterAll(async () => {
    // Its runs are in workflowIds: terminated by the file's afterAll, which runs after this one.
    await own?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists its fixtures folder and signs a fixture with the secret its secretsEnv names: a saga starts', async () => {
    expect((await sendTo(own.url, userEnv, '--list')).out).toMatch(/^acme-orders\s+order-paid$/m);
    const { code, out } = await sendTo(own.url, userEnv, 'acme-orders', 'order-paid', '--fresh');
    expect(code).toBe(0);
    const [status, body] = answers(out)[0]!;
    expect([status, body.workflowId]).toEqual([202, expect.stringMatching(/^acme-orders:/)]);
    expect((await own.client.workflow.getHandle(body.workflowId).describe()).type).toBe('recordEventSaga');
    const wrong = await sendTo(own.url, { ...userEnv, ACME_ORDERS_SECRETS: randomBytes(16).toString('hex') }, 'acme-orders', 'order-paid', '--fresh');
    expect(answers(wrong.out)).toEqual([[401, { error: 'signature_mismatch' }]]);
  });
});
