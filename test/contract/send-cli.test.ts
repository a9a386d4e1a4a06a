import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { DEV_SECRETS } from '../../src/dev-secrets';
import { startReceiver, type TestReceiver } from '../support/receiver';
import { uniqueTaskQueue } from '../support/temporal';

/** The sender CLI (npm run send) against a real receiver configured with the dev secrets, as `npm run dev` is. */
const ROOT = resolve(__dirname, '..', '..');
const run = promisify(execFile);
let receiver: TestReceiver;
const workflowIds: string[] = [];

beforeAll(async () => {
  receiver = await startReceiver({ ...DEV_SECRETS, TEMPORAL_TASK_QUEUE: uniqueTaskQueue('send-cli'), TEMPORAL_START_TIMEOUT_MS: '15000' });
});

afterAll(async () => {
  for (const id of workflowIds) await receiver.client.workflow.getHandle(id).terminate('send CLI test done').catch(() => undefined);
  await receiver?.close();
});

async function send(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const env = { ...process.env };
  for (const name of Object.keys(DEV_SECRETS)) delete env[name];
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'scripts/send.ts', ...args, '--url', receiver.url], { cwd: ROOT, env });
    workflowIds.push(...[...stdout.matchAll(/"workflowId":"([^"]+)"/g)].map((m) => m[1]!));
    return { code: 0, out: stdout, err: stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout, err: e.stderr };
  }
}

/** The `#n <status> <json>` lines the CLI prints, parsed. */
function answers(out: string): [number, any][] {
  return [...out.matchAll(/^ {2}#\d+ (\d{3}) (.*)$/gm)].map((m) => [Number(m[1]), JSON.parse(m[2]!)]);
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
