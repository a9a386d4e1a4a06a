import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import fc from 'fast-check';
import type { Decision, OutgoingDelivery } from '../../sources/types';
import { DIRECT_STARTS, post, startReceiver, type TestReceiver } from '../support/receiver';
import { uniqueTaskQueue } from '../support/temporal';
import { asDelivery, contractCases, duplicateAnswer, fixturesOf, perSaga, sign, startsOf } from './cases';

/**
 * The adapter contract end to end: every case of adapters.contract.test.ts through the real receiver
 * (HTTP, raw body, error mapping, durable intake) onto the real Temporal test server. Starting the
 * saga is what is checked; no worker runs, and the runs started here are terminated afterwards.
 */
const cases = contractCases();
const taskQueue = uniqueTaskQueue('contract');

it('has endpoints to run', () => expect(cases.length).toBeGreaterThan(0));

if (cases.length > 0) describe.each(cases.map((c) => [c.label, c] as const))('%s through the receiver', (_label, c) => {
  const { definition, config, adapter } = c.instance;
  const kit = definition.sender;
  const fixtures = fixturesOf(c);
  const started: string[] = [];
  let receiver: TestReceiver;

  beforeAll(async () => {
    // A generous start budget: this checks the saga started on Temporal, not the outbox fallback a loaded machine could trigger.
    receiver = await startReceiver({ ...c.env, TEMPORAL_TASK_QUEUE: taskQueue, ...DIRECT_STARTS });
  });

  afterAll(async () => {
    for (const id of started) await receiver.client.workflow.getHandle(id).terminate('contract test done').catch(() => undefined);
    await receiver?.close();
  });

  /** Where the receiver is called: schemes that sign the path or the URL as the receiver sees it are signed for it. */
  const endpoint = () => `${receiver.url}/webhooks/${config.name}`;
  const signHere = (message: OutgoingDelivery, options: Parameters<typeof sign>[2] = {}) => sign(c, message, { url: endpoint(), ...options });

  function send(d: OutgoingDelivery) {
    const query = new URLSearchParams(d.query).toString();
    return post(`${receiver.url}/webhooks/${config.name}${query ? `?${query}` : ''}`, d.body, { ...d.headers });
  }

  function decide(d: OutgoingDelivery): Decision {
    const delivery = asDelivery(d, new Date(), endpoint());
    adapter.verify(delivery, delivery.receivedAt);
    return adapter.decide(delivery);
  }

  /** A fixture that starts a saga, given a new event key so that runs from earlier test runs do not count. */
  function freshStarter(): OutgoingDelivery {
    const starter = fixtures.find((f) => decide(signHere(f.message)).action === 'start');
    if (!starter) throw new Error(`${c.label}: no fixture starts a saga`);
    return kit.fresh(starter.message, config, randomUUID());
  }

  async function exists(workflowId: string): Promise<boolean> {
    try {
      await receiver.client.workflow.getHandle(workflowId).describe();
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  it('answers every fixture as its decision says: a started saga of each routed type, a 200 for the rest', async () => {
    for (const f of fixtures) {
      const action = decide(signHere(f.message)).action;
      const message = action === 'start' ? kit.fresh(f.message, config, randomUUID()) : f.message;
      const signed = signHere(message, { deliveryId: randomUUID() });
      const expected = decide(signed);
      const res = await send(signed);
      if (expected.action === 'start') {
        const starts = startsOf(c, expected);
        const workflowIds = starts.map((s) => s.workflowId);
        expect({ fixture: f.name, status: res.status, workflowIds: perSaga(res.json).map((a) => a.workflowId) }).toEqual({ fixture: f.name, status: 202, workflowIds });
        started.push(...workflowIds);
        for (const { saga, workflowId } of starts) {
          const description = await receiver.client.workflow.getHandle(workflowId).describe();
          expect([f.name, description.type, description.taskQueue]).toEqual([f.name, saga, taskQueue]);
        }
      } else if (expected.action === 'ignore') {
        expect([f.name, res.status, res.json]).toEqual([f.name, 200, { ignored: true, eventType: expected.eventType }]);
      } else {
        expect([f.name, res.status]).toEqual([f.name, expected.status]);
        expect(typeof expected.body === 'string' ? res.text : res.json).toEqual(expected.body);
        if (expected.contentType) expect(res.headers.get('content-type')).toContain(expected.contentType);
      }
    }
  });

  it('answers a redelivery of the same event (new delivery id, signed later) as a duplicate of the same workflows', async () => {
    const message = freshStarter();
    const signed = signHere(message, { deliveryId: randomUUID(), now: new Date(Date.now() - 20_000) });
    const decision = decide(signed);
    if (decision.action !== 'start') throw new Error('a fresh starter must start');
    const first = await send(signed);
    expect(first.status).toBe(202);
    const workflowIds = perSaga(first.json).map((a) => a.workflowId!);
    started.push(...workflowIds);
    const starts = startsOf(c, decision);
    expect(workflowIds).toEqual(starts.map((s) => s.workflowId));
    const retry = await send(signHere(message, { deliveryId: randomUUID() }));
    expect([retry.status, retry.json]).toEqual([200, duplicateAnswer(starts)]);
  });

  it('refuses every tampering, a wrong key and an out-of-window signing time with 401 and the reason, starting nothing', async () => {
    const message = freshStarter();
    const now = new Date();
    const expected = decide(signHere(message, { now }));
    if (expected.action !== 'start') throw new Error('a fresh starter must start');
    const refusals: [OutgoingDelivery, string, string][] = kit.tamperings(config, { key: c.signingKey, now }).map((t) => [t.apply(signHere(message, { now })), t.reason, t.name]);
    const wrong = kit.wrongKey(config);
    refusals.push([signHere(message, { key: wrong.key }), wrong.reason, 'wrong key']);
    const window = kit.replayWindow(config);
    if (window) refusals.push([signHere(message, { now: new Date(Date.now() - (window.staleAfterSeconds + 60) * 1000) }), window.staleReason, 'stale']);
    for (const [delivery, reason, name] of refusals) {
      const res = await send(delivery);
      expect({ name, status: res.status, body: res.json }).toEqual({ name, status: 401, body: { error: reason } });
    }
    for (const { workflowId } of startsOf(c, expected)) expect(await exists(workflowId)).toBe(false);
  });

  it('answers random requests with a 4xx, never a 2xx or a 5xx', async () => {
    const names = Object.keys(signHere(fixtures[0]!.message).headers);
    const headerValue = fc.stringMatching(/^[\x21-\x7e]{0,80}$/);
    const request = fc.record({
      headers: fc.dictionary(fc.constantFrom(...names, 'authorization', 'content-type'), headerValue, { maxKeys: 6 }),
      body: fc.oneof(fc.uint8Array({ maxLength: 1024 }).map((b) => Buffer.from(b)), fc.json().map((j) => Buffer.from(j))),
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ headers, body }) => {
        const res = await send({ body, headers, query: {} });
        return res.status >= 400 && res.status < 500;
      }),
      { numRuns: 25 },
    );
  });
});
