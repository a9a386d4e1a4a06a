import { execFile } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { signSamsara } from '../../sources/samsara/verify';
import { fixtureWith } from '../support/fixtures';
import { eventually } from '../support/eventually';
import { DIRECT_STARTS } from '../support/receiver';
import { uniqueTaskQueue } from '../support/temporal';
import { deletePrefix, postRaw, startIntakeReceiver, uniquePrefix, type IntakeReceiver } from '../intake/support/receiver';
import { OPS_ENV, call, token } from './support';

/**
 * A botched secret rotation, end to end on the test Temporal server and Redis. Samsara signs with a
 * new secret the receiver does not have yet: every delivery is refused (401) and kept. An event type
 * of a declared source has no route yet: answered 200 ignored, and kept. The receiver is restarted
 * with both secrets and the route (same Redis prefix); the operator re-processes what was kept, and
 * Temporal holds exactly one saga per event, however often it was re-processed or redelivered.
 */
const run = promisify(execFile);
const ROOT = resolve(__dirname, '..', '..');
const OLD = Buffer.from('refused-ops-old-secret').toString('base64');
const NEW = Buffer.from('refused-ops-new-secret').toString('base64');
const YARD_SECRET = 'refused-ops-yard-secret';
const prefix = uniquePrefix('refused-ops');
const taskQueue = uniqueTaskQueue('refused-ops');
const operator = token('operator', 'oncall-rita');

const yard = (routes: Record<string, string>) =>
  JSON.stringify({
    yard: {
      kind: 'hmac',
      secretsEnv: 'YARD_SECRETS',
      signature: { header: 'x-yard-signature', encoding: 'hex', prefix: 'sha256=' },
      signedString: '{timestamp}.{body}',
      timestamp: { header: 'x-yard-timestamp' },
      eventKey: 'body:id',
      eventType: 'body:type',
      routes,
    },
  });

const base = { ...OPS_ENV, ...DIRECT_STARTS, TEMPORAL_TASK_QUEUE: taskQueue, REDIS_KEY_PREFIX: prefix, YARD_SECRETS: YARD_SECRET };
/** Before the fix: the old Samsara secret only, and no route for gate.opened. */
const BEFORE = { ...base, SAMSARA_WEBHOOK_SECRETS: OLD, SOURCES_CONFIG: yard({ 'appointment.checked_in': 'recordEventSaga' }) };
/** After: both secrets (the rotation), and the route. */
const AFTER = { ...base, SAMSARA_WEBHOOK_SECRETS: `${OLD},${NEW}`, SOURCES_CONFIG: yard({ 'appointment.checked_in': 'recordEventSaga', 'gate.opened': 'recordEventSaga' }) };

let receiver: IntakeReceiver;
const started: string[] = [];
const eventId = randomUUID();
const gateId = `gate-${randomUUID()}`;

afterAll(async () => {
  // No worker runs these sagas: end them, so nothing is left running on the shared server.
  await Promise.all(started.map((id) => receiver?.client.workflow.getHandle(id).terminate('test over').catch(() => undefined)));
  if (receiver) await deletePrefix(receiver.redis, prefix);
  await receiver?.close();
});

const seconds = () => Math.floor(Date.now() / 1000);
const api = (path: string) => `${receiver.url}/ops/api${path}`;
const kept = async (query: string) => (await call(api(`/refused${query}`), token('viewer'))).json;

function deliverSamsara(id: string, secret: string, timestamp = seconds()) {
  const body = fixtureWith('samsara', 'route-stop-arrival', { eventId: id });
  return postRaw(`${receiver.url}/webhooks/samsara`, body, signSamsara(body, secret, timestamp));
}

function deliverYard(id: string) {
  const body = JSON.stringify({ id, type: 'gate.opened', gate: 3 });
  const ts = String(seconds());
  return postRaw(`${receiver.url}/webhooks/yard`, body, { 'x-yard-timestamp': ts, 'x-yard-signature': `sha256=${createHmac('sha256', YARD_SECRET).update(`${ts}.${body}`).digest('hex')}` });
}

async function ops(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/ops.ts', ...args], { cwd: ROOT, env: { ...process.env, OPS_URL: receiver.url, OPS_TOKEN: operator }, timeout: 30_000 });
  return stdout;
}

/** Sagas of a source on this test's task queue, as Temporal's visibility counts them. */
async function sagas(source: string): Promise<number> {
  return (await receiver.client.workflow.count(`TaskQueue = '${taskQueue}' AND WebhookSource = '${source}'`)).count;
}

describe('refused requests, re-processed after the fix', () => {
  it('before the fix: deliveries signed with the new secret are refused and kept, an unrouted event too', async () => {
    receiver = await startIntakeReceiver({ env: BEFORE, forwarder: true });
    // The vendor retried: the same event twice, both refused.
    for (let i = 0; i < 2; i++) expect(await deliverSamsara(eventId, NEW)).toMatchObject({ status: 401, json: { error: 'signature_mismatch' } });
    expect(await deliverYard(gateId)).toMatchObject({ status: 200, json: { ignored: true, eventType: 'gate.opened' } });
    await eventually(() => kept(''), (page) => page.total === 3);

    const cli = await ops('refused', '--source', 'samsara', '--reason', 'signature_mismatch', '--since', '1h');
    expect(cli).toContain('2 of 2 refused request(s), newest first');
    expect(cli.match(/samsara +401 +signature_mismatch/g)).toHaveLength(2);
    expect(await sagas('samsara')).toBe(0);
    await receiver.close();
  }, 60_000);

  it('after the fix: re-processed into exactly one saga, however often it is re-processed or redelivered', async () => {
    receiver = await startIntakeReceiver({ env: AFTER, forwarder: true });
    const [e1, e2] = (await kept('?source=samsara')).items as { id: string }[];

    // A viewer may look, not act (audited below).
    expect((await call(api(`/refused/${e1!.id}/reprocess`), token('viewer', 'viewer-vic'), { body: {} })).status).toBe(403);

    // Two operators re-process the same entry at once: one saga; the loser is a duplicate, or finds it gone.
    const both = await Promise.all([0, 1].map(() => call(api(`/refused/${e1!.id}/reprocess`), operator, { body: {} })));
    const results = both.map((r) => (r.status === 404 ? 'gone' : r.json.result)).sort();
    expect(results.filter((r) => r === 'started' || r === 'queued')).toHaveLength(1);
    expect(results.every((r) => ['started', 'queued', 'duplicate', 'gone'].includes(r))).toBe(true);
    const winner = both.find((r) => r.status === 200 && r.json.result !== 'duplicate')!.json;
    expect(winner).toMatchObject({ id: e1!.id, source: 'samsara', reverified: true, workflowId: `samsara:${eventId}` });
    started.push(winner.workflowId);

    // The vendor's second attempt, in bulk from the CLI: a dry run, then confirmed.
    expect(await ops('reprocess', '--source', 'samsara')).toContain('1 refused request(s) would be re-processed');
    expect(await ops('reprocess', '--source', 'samsara', '--yes', '--expect', '1')).toMatch(/done: 1 re-processed: 1 duplicate/);
    // And the vendor redelivers once more, now accepted as a duplicate.
    expect(await deliverSamsara(eventId, NEW)).toMatchObject({ status: 200, json: { duplicate: true, workflowId: winner.workflowId } });

    const described = await receiver.client.workflow.getHandle(winner.workflowId).describe();
    expect(described.type).toBe('samsaraRouteStopSaga');
    // Its delivery is the original one: receipt time and request id of the first kept attempt.
    expect(described.memo?.delivery).toMatchObject({ source: 'samsara', eventKey: eventId });
    await eventually(() => sagas('samsara'), (n) => n >= 1);
    expect(await sagas('samsara')).toBe(1);
    expect((await kept('?source=samsara')).total).toBe(0);
    expect(e2).toBeDefined();
  }, 60_000);

  it('an unrouted event, its route added, re-processed: a saga', async () => {
    const [entry] = (await kept('?reason=unrouted')).items;
    expect(entry).toMatchObject({ source: 'yard', kind: 'unrouted', eventType: 'gate.opened', verified: true });
    const res = await call(api(`/refused/${entry!.id}/reprocess`), operator, { body: {} });
    expect(res).toMatchObject({ status: 200, json: { result: expect.stringMatching(/^(started|queued)$/), workflowId: `yard:${gateId}`, reverified: true } });
    started.push(res.json.workflowId);
    await eventually(() => sagas('yard'), (n) => n === 1);
    expect((await receiver.client.workflow.getHandle(`yard:${gateId}`).describe()).type).toBe('recordEventSaga');
  });

  it('re-verifies at the original receipt time: kept 10 minutes ago, it passes the 5-minute window; kept now, it does not', async () => {
    const keep = async (id: string, receivedAt: Date, signedAt: number) => {
      const body = fixtureWith('samsara', 'route-stop-arrival', { eventId: id });
      return receiver.parts.refused.keep({
        source: { name: 'samsara' },
        delivery: {
          headers: { 'content-type': 'application/json', ...signSamsara(body, NEW, signedAt) },
          rawBody: body,
          query: {},
          request: { method: 'POST', origin: 'http://127.0.0.1', target: '/webhooks/samsara' },
          receivedAt,
        },
        kind: 'refused',
        status: 401,
        reason: 'signature_mismatch',
        requestId: `old-${id}`,
        client: '203.0.113.7',
        verified: false,
      });
    };
    const tenMinutesAgo = seconds() - 600;
    const late = randomUUID();
    const old = await keep(late, new Date(tenMinutesAgo * 1000), tenMinutesAgo);
    const fresh = await keep(randomUUID(), new Date(), tenMinutesAgo);

    // Checked against "now", the signing time is 10 minutes off: refused again, and it stays kept.
    expect(await call(api(`/refused/${fresh}/reprocess`), operator, { body: {} })).toMatchObject({ status: 200, json: { result: 'refused', status: 401, reason: 'timestamp_too_old' } });
    expect((await kept('?source=samsara')).items.map((r: { id: string }) => r.id)).toContain(fresh);
    // Checked at its receipt time, it verifies.
    const res = await call(api(`/refused/${old}/reprocess`), operator, { body: {} });
    expect(res).toMatchObject({ status: 200, json: { result: expect.stringMatching(/^(started|queued)$/), workflowId: `samsara:${late}`, reverified: true } });
    started.push(res.json.workflowId);
    const memo = (await eventually(() => receiver.client.workflow.getHandle(`samsara:${late}`).describe().catch(() => undefined), (d) => d !== undefined))!.memo;
    expect(memo?.delivery).toMatchObject({ receivedAt: new Date(tenMinutesAgo * 1000).toISOString(), requestId: `old-${late}` });
  });

  it('audits every re-process, the refused ones too', async () => {
    const { entries } = (await call(api('/audit?action=reprocess&limit=50'), token('viewer'))).json;
    const outcomes = entries.map((e: { actor: string; outcome: string }) => `${e.actor} ${e.outcome}`);
    expect(outcomes).toEqual(expect.arrayContaining(['viewer-vic refused:forbidden', 'oncall-rita started', 'oncall-rita duplicate', 'oncall-rita refused:timestamp_too_old']));
    const bulk = (await call(api('/audit?action=bulk_reprocess'), token('viewer'))).json.entries;
    expect(bulk[0]).toMatchObject({ actor: 'oncall-rita', outcome: 'finished', counts: { total: 1, duplicate: 1 }, filter: { source: 'samsara' } });
  });
});
