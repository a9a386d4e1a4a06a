import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { signSamsara } from '../../sources/samsara/verify';
import { ALL_SEARCH_ATTRIBUTES } from '../../core/saga/search-attributes';
import { TEMPORAL_BIN } from '../../scripts/lib/stack';
import { fixtureWith } from '../support/fixtures';
import { temporalAddress, uniqueTaskQueue } from '../support/temporal';
import { deletePrefix, postRaw, startIntakeReceiver, uniquePrefix, type IntakeReceiver } from '../intake/support/receiver';
import { eventually } from '../support/eventually';
import { OPS_ENV, call, token } from './support';

/**
 * Dead letters end to end, on the shared test Temporal server. The receiver starts sagas in a
 * namespace of this test's own in which the project's search attributes are not registered yet (a
 * real operator mistake: the README says to register them once per namespace), so Temporal refuses
 * every start as INVALID_ARGUMENT. Each accepted delivery becomes a dead letter with that cause; the
 * on-call engineer sees it in the API and the CLI, registers the attributes, re-queues, and Temporal
 * then holds exactly one saga per event, however often it was delivered or re-queued.
 */
const run = promisify(execFile);
const ROOT = resolve(__dirname, '..', '..');
const SECRET = Buffer.from('dead-letter-test-secret').toString('base64');
const namespace = `dead-letters-${randomUUID().slice(0, 8)}`;
const prefix = uniquePrefix('dead-letters');
const operator = token('operator', 'oncall-erin');
const temporal = (...args: string[]) => run(TEMPORAL_BIN, [...args, '--address', temporalAddress(), '--namespace', namespace], { timeout: 30_000 });

let receiver: IntakeReceiver;
let api: string;

beforeAll(async () => {
  await temporal('operator', 'namespace', 'create');
  receiver = await startIntakeReceiver({
    env: { ...OPS_ENV, SAMSARA_WEBHOOK_SECRETS: SECRET, TEMPORAL_NAMESPACE: namespace, TEMPORAL_TASK_QUEUE: uniqueTaskQueue('dead-letters'), REDIS_KEY_PREFIX: prefix },
    forwarder: { claimIdleMs: 500 },
  });
  api = `${receiver.url}/ops/api`;
}, 60_000);

afterAll(async () => {
  if (receiver) await deletePrefix(receiver.redis, prefix);
  await receiver?.close();
  await temporal('operator', 'namespace', 'delete', '--yes').catch(() => undefined);
});

async function deliver(eventId: string): Promise<{ status: number; workflowId: string }> {
  const body = fixtureWith('samsara', 'route-stop-arrival', { eventId });
  const res = await postRaw(`${receiver.url}/webhooks/samsara`, body, signSamsara(body, SECRET, Math.floor(Date.now() / 1000)));
  return { status: res.status, workflowId: res.json?.workflowId };
}

async function ops(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/ops.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, OPS_URL: receiver.url, OPS_TOKEN: operator },
    timeout: 30_000,
  });
  return stdout;
}

async function metric(line: RegExp): Promise<number> {
  const text = await (await fetch(`${receiver.url}/metrics`)).text();
  return Number(line.exec(text)?.[1] ?? 0);
}

const DEAD_LETTERED = /^webhook_dead_lettered_total\{source="samsara",cause="invalid_argument"\} (\d+)$/m;

describe('dead letters', () => {
  it('keep the cause of a start Temporal refused, show it in the API and CLI, and re-queue into exactly one saga each', async () => {
    const counted = await metric(DEAD_LETTERED);
    // Event a is delivered twice (the vendor retried after a had become a dead letter: a repeat of a
    // start still queued would be a duplicate), b once: all three are accepted (202 queued).
    const aEvent = randomUUID();
    const a = await deliver(aEvent);
    expect(a.status).toBe(202);
    await eventually(async () => (await call(`${api}/dead-letters`, token('viewer'))).json, (page) => page.total === 1, { timeoutMs: 60_000 });
    expect((await deliver(aEvent)).status).toBe(202);
    const b = await deliver(randomUUID());
    expect(b.status).toBe(202);

    const listed = await eventually(
      async () => (await call(`${api}/dead-letters`, token('viewer'))).json,
      (page) => page.total === 3,
      // The forwarder backs off between failed starts; on a busy machine three take a while.
      { timeoutMs: 60_000 },
    );
    expect(listed.items).toHaveLength(3);
    for (const letter of listed.items) {
      expect(letter).toMatchObject({
        source: 'samsara',
        eventType: 'RouteStopArrival',
        saga: 'samsaraRouteStopSaga',
        causeType: 'INVALID_ARGUMENT',
        causeClass: 'invalid_argument',
        requeueable: true,
        cause: expect.stringMatching(new RegExp(`Namespace ${namespace} has no mapping defined for search attribute`)),
      });
    }
    expect(listed.items.map((l) => l.workflowId).sort()).toEqual([a.workflowId, a.workflowId, b.workflowId].sort());
    // Nothing started, and the receiver counts and gauges them.
    await expect(receiver.client.workflow.getHandle(b.workflowId).describe()).rejects.toThrow();
    expect(await metric(DEAD_LETTERED)).toBe(counted + 3);
    expect(await metric(/^webhook_dead_letters (\d+)$/m)).toBe(3);

    const cli = await ops('dead-letters');
    expect(cli).toContain('3 dead letter(s)');
    expect(cli).toContain(b.workflowId);
    expect(cli).toMatch(/INVALID_ARGUMENT: Namespace .* has no mapping defined for search attribute/);

    // A viewer cannot re-queue; a bad id is a 400, not a 500.
    const bLetter = listed.items.find((l) => l.workflowId === b.workflowId)!;
    expect((await call(`${api}/dead-letters/${bLetter.id}/requeue`, token('viewer'), { body: {} })).status).toBe(403);
    expect((await call(`${api}/dead-letters/not-an-id/requeue`, operator, { body: {} })).status).toBe(400);

    // Fix the cause, then re-queue b alone, then the rest in bulk after a dry run.
    await temporal('operator', 'search-attribute', 'create', ...ALL_SEARCH_ATTRIBUTES.flatMap((key) => ['--name', key.name, '--type', 'Keyword']));
    const one = await call(`${api}/dead-letters/${bLetter.id}/requeue`, operator, { body: {} });
    expect(one).toMatchObject({ status: 201, json: { id: bLetter.id, workflowId: b.workflowId, result: 'requeued' } });
    // The same letter twice: it is gone from the stream, so the second is refused.
    expect(await call(`${api}/dead-letters/${bLetter.id}/requeue`, operator, { body: {} })).toMatchObject({ status: 404, json: { error: 'dead_letter_not_found' } });

    const dry = await ops('requeue', '--source', 'samsara');
    expect(dry).toContain('2 dead letter(s) would be re-queued.');
    expect(dry).toContain('add --yes --expect 2');
    expect(await call(`${api}/dead-letters/requeue`, operator, { body: { filter: { source: 'samsara' }, expect: 3 } })).toMatchObject({
      status: 409,
      json: { error: 'count_changed', count: 2 },
    });
    expect(await ops('requeue', '--source', 'samsara', '--yes', '--expect', '2')).toContain('done: 2 re-queued, 0 gone already');

    // The forwarder drains the outbox; nothing comes back as a dead letter.
    const drained = await eventually(
      () => receiver.parts.outbox.stats(),
      (s) => s.backlog === 0 && s.pending === 0,
      { timeoutMs: 20_000 },
    );
    expect(drained.deadLetters).toBe(0);

    // Temporal's own view: both sagas exist, a (delivered twice, re-queued twice) ran once.
    for (const id of [a.workflowId, b.workflowId]) expect((await receiver.client.workflow.getHandle(id).describe()).type).toBe('samsaraRouteStopSaga');
    const runs = await eventually(
      () => receiver.client.workflow.count(`WorkflowId = '${a.workflowId}'`),
      (c) => c.count >= 1,
      { timeoutMs: 10_000 },
    );
    expect(runs.count).toBe(1);

    // Every re-queue is in the audit log beside the replays.
    const audit = (await call(`${api}/audit?limit=20`, operator)).json.entries;
    expect(audit.filter((e) => e.action === 'requeue' && e.outcome === 'requeued')).toHaveLength(3);
    expect(audit).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'requeue', outcome: 'refused:gone', actor: 'oncall-erin' })]));
    expect(audit).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'bulk_requeue', counts: { total: 2, requeued: 2, gone: 0 } })]));
  }, 180_000);
});
