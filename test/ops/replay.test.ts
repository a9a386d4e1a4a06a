import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { FRONT_REFUSES_COMMENTS, call, startOpsStack, token, type OpsStack } from './support';
import { until } from '../support/eventually';

/**
 * Find, inspect and replay against the real Temporal server: sagas are made to fail through the
 * downstream sandbox (Front refuses comments), the fault is cleared, and the console replays them.
 */
let stack: OpsStack;
let api: string;
const operator = token('operator', 'oncall-alice');

beforeAll(async () => {
  stack = await startOpsStack('ops-replay');
  api = `${stack.receiver.url}/ops/api`;
});

afterAll(async () => {
  await stack?.close();
});

async function failedSaga(): Promise<string> {
  await stack.sandbox.fail(FRONT_REFUSES_COMMENTS);
  const workflowId = await stack.deliver();
  await expect(stack.receiver.client.workflow.getHandle(workflowId).result()).rejects.toBeInstanceOf(WorkflowFailedError);
  await stack.sandbox.clearFaults();
  return workflowId;
}

describe('a saga that failed downstream', () => {
  let workflowId: string;

  beforeAll(async () => {
    workflowId = await failedSaga();
  });

  it('is found by outcome, source, event type, event key and time range, with counts', async () => {
    const since = new Date(Date.now() - 60_000).toISOString();
    const rows = await until(async () => {
      const res = await call(`${api}/sagas?outcome=compensated&source=samsara&eventType=RouteStopArrival&from=${since}&taskQueue=${stack.taskQueue}`, operator);
      return res.json.items?.length ? res.json.items : undefined;
    }, 15_000, 'the failed saga in visibility');
    expect(rows).toEqual([expect.objectContaining({ workflowId, outcome: 'compensated', source: 'samsara', step: 'undo:updateTurvoStop', replayable: true })]);

    const eventKey = rows[0]!.eventKey;
    expect((await call(`${api}/sagas?eventKey=${encodeURIComponent(eventKey)}`, operator)).json.items.map((r) => r.workflowId)).toEqual([workflowId]);
    expect((await call(`${api}/sagas?outcome=completed&taskQueue=${stack.taskQueue}`, operator)).json.items).toEqual([]);
    expect((await call(`${api}/sagas?outcome=failed&to=${since}&taskQueue=${stack.taskQueue}`, operator)).json.items).toEqual([]);

    const counts = (await call(`${api}/counts?taskQueue=${stack.taskQueue}`, operator)).json;
    expect(counts.byOutcome).toMatchObject({ compensated: 1, failed: 1, completed: 0, running: 0 });
    expect(counts.bySource).toMatchObject({ samsara: 1 });
  });

  it('is inspected from its history: input shape without values, steps with undo, failure, Temporal UI link', async () => {
    const res = await call(`${api}/sagas/${encodeURIComponent(workflowId)}`, token('viewer'));
    expect(res.status).toBe(200);
    const d = res.json;
    expect(d).toMatchObject({ workflowId, status: 'FAILED', outcome: 'compensated', replayable: true });
    expect(d.timeline.from).toBe('history');
    expect(d.timeline.steps.map((s: { step: string; state: string; undo?: { state: string } }) => [s.step, s.state, s.undo?.state])).toEqual([
      ['lookupShipmentLinks', 'completed', undefined],
      ['updateTurvoStop', 'completed', 'undone'],
      ['commentOnFront', 'failed', undefined],
    ]);
    const failing = d.timeline.steps[2]!;
    expect(failing.error).toMatch(/archived|422/);
    expect(failing.calls[0]).toMatchObject({ activity: 'addConversationComment', state: 'failed', attempts: 1 });
    expect(d.failure).toMatchObject({ type: 'SagaFailed', saga: { outcome: 'compensated', failedStep: 'commentOnFront', stepsUndone: ['updateTurvoStop'] } });
    expect(d.delivery).toMatchObject({ source: 'samsara', eventType: 'RouteStopArrival' });
    expect(d.input.meta).toMatchObject({ source: 'samsara', workflowId });
    // Shapes only: the fixture's vehicle name and driver never reach the console.
    expect(JSON.stringify(d.input)).not.toMatch(/Bus 12|vehicle":\{"id/);
    expect(d.temporalUiUrl).toBe(`http://127.0.0.1:8233/namespaces/default/workflows/${encodeURIComponent(workflowId)}/${d.runId}/history`);
  });

  it('is replayed with its original input under the same workflow ID once the fault is cleared, and completes', async () => {
    const handle = stack.receiver.client.workflow.getHandle(workflowId);
    const before = await handle.describe();
    const res = await call(`${api}/sagas/${encodeURIComponent(workflowId)}/replay`, operator, { body: { runId: before.runId } });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ workflowId, previousRunId: before.runId, runId: expect.any(String) });
    expect(res.json.runId).not.toBe(before.runId);

    const replayed = stack.receiver.client.workflow.getHandle(workflowId, res.json.runId);
    await expect(replayed.result()).resolves.toMatchObject({ shipmentId: '98765', stopId: expect.stringMatching(/^OPS-STOP-/) });
    const after = await replayed.describe();
    expect(after.status.name).toBe('COMPLETED');
    expect(after.taskQueue).toBe(stack.taskQueue);
    expect(after.searchAttributes).toMatchObject({ WebhookSource: ['samsara'], EventType: ['RouteStopArrival'], EventKey: before.searchAttributes.EventKey });
    expect(after.memo).toMatchObject({ delivery: before.memo?.delivery, replay: { previousRunId: before.runId, by: 'oncall-alice' } });

    const detail = (await call(`${api}/sagas/${encodeURIComponent(workflowId)}`, operator)).json;
    expect(detail).toMatchObject({ runId: res.json.runId, outcome: 'completed', replayable: false, replayOf: { by: 'oncall-alice' } });
    expect(detail.runs.map((r) => r.status)).toEqual(['COMPLETED', 'FAILED']);

    // The saga is fixed: its latest run decides, so it no longer counts or lists as failed, and the
    // list of all sagas shows its completed run, the failed one only inside the saga.
    const counts = await until(async () => {
      const c = (await call(`${api}/counts`, operator)).json;
      return c.fixed === 1 ? c : undefined;
    }, 15_000, 'the saga counted as fixed');
    expect(counts.byOutcome).toMatchObject({ attention: 0, failed: 0, compensated: 0, completed: 1 });
    expect((await call(`${api}/sagas?outcome=failed`, operator)).json.items).toEqual([]);
    const rows = await until(async () => {
      const items = (await call(`${api}/sagas`, operator)).json.items?.filter((r) => r.workflowId === workflowId);
      return items?.length === 1 && items[0]!.runId === res.json.runId ? items : undefined;
    }, 15_000, 'the saga listed once, by its latest run');
    expect(rows[0]).toMatchObject({ workflowId, outcome: 'completed', replayable: false });
  });

  it('refuses to replay it again now that it completed (409), and audits both attempts', async () => {
    const res = await call(`${api}/sagas/${encodeURIComponent(workflowId)}/replay`, operator, { body: {} });
    expect(res).toMatchObject({ status: 409, json: { error: 'replay_refused_completed', workflowId } });
    const runs: string[] = [];
    for await (const info of stack.receiver.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(info.status.name);
    expect(runs.sort()).toEqual(['COMPLETED', 'FAILED']);

    const entries = (await call(`${api}/audit?limit=200`, token('viewer'))).json.entries.filter((e) => e.workflowIds?.includes(workflowId));
    expect(entries.map((e) => [e.actor, e.outcome])).toEqual([
      ['oncall-alice', 'refused:completed'],
      ['oncall-alice', 'replayed'],
    ]);
    expect(entries[1]).toMatchObject({ action: 'replay', at: expect.any(String), runId: expect.any(String) });
  });
});

describe('replay refusals', () => {
  it('refuses a completed saga that never failed', async () => {
    const workflowId = await stack.deliver();
    await stack.receiver.client.workflow.getHandle(workflowId).result();
    const res = await call(`${api}/sagas/${encodeURIComponent(workflowId)}/replay`, operator, { body: {} });
    expect(res).toMatchObject({ status: 409, json: { error: 'replay_refused_completed' } });
  });

  it('refuses a running saga, and shows its retrying step from the status query', async () => {
    // Front answers 503 for a while: the comment step retries, the saga keeps running.
    await stack.sandbox.fail({ service: 'front', method: 'POST', path: '/comments', status: 503, times: 3 });
    const workflowId = await stack.deliver(`running-${randomUUID()}`);
    const detail = await until(async () => {
      const d = (await call(`${api}/sagas/${encodeURIComponent(workflowId)}`, operator)).json;
      return d.status === 'RUNNING' && d.timeline.steps.some((s) => s.step === 'commentOnFront') ? d : undefined;
    }, 10_000, 'the saga to reach commentOnFront');
    expect(detail.timeline.from).toBe('query');
    expect(detail.replayable).toBe(false);
    // Temporal's pending activity: which service it waits for, the attempt, the next try, the last error.
    const waiting = await until(async () => {
      const d = (await call(`${api}/sagas/${encodeURIComponent(workflowId)}`, operator)).json;
      return d.pending?.find((p) => p.attempt > 1);
    }, 15_000, 'a failed attempt of the comment');
    expect(waiting).toMatchObject({ activity: 'addConversationComment', service: 'front', nextAttemptAt: expect.any(String), lastError: expect.stringMatching(/front POST .* answered 503/) });
    // The list of running sagas says it too.
    const running = (await call(`${api}/sagas?outcome=running`, operator)).json.items.find((r) => r.workflowId === workflowId);
    expect(running?.waiting).toMatchObject({ service: 'front', attempt: expect.any(Number) });
    const res = await call(`${api}/sagas/${encodeURIComponent(workflowId)}/replay`, operator, { body: {} });
    expect(res).toMatchObject({ status: 409, json: { error: 'replay_refused_running' } });
    await stack.sandbox.clearFaults();
    await stack.receiver.client.workflow.getHandle(workflowId).result();
  });

  it('refuses a replay of a run someone already replayed (stale runId)', async () => {
    const workflowId = await failedSaga();
    const first = await stack.receiver.client.workflow.getHandle(workflowId).describe();
    await stack.sandbox.fail(FRONT_REFUSES_COMMENTS);
    const again = await call(`${api}/sagas/${encodeURIComponent(workflowId)}/replay`, operator, { body: { runId: first.runId } });
    expect(again.status).toBe(201);
    await expect(stack.receiver.client.workflow.getHandle(workflowId, again.json.runId).result()).rejects.toBeInstanceOf(WorkflowFailedError);
    await stack.sandbox.clearFaults();
    const stale = await call(`${api}/sagas/${encodeURIComponent(workflowId)}/replay`, operator, { body: { runId: first.runId } });
    expect(stale).toMatchObject({ status: 409, json: { error: 'replay_refused_already_replayed' } });
  });
});
