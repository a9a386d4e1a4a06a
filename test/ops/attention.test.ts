import { randomUUID } from 'node:crypto';
import { createActivities, createClients } from '../../sagas/activities';
import { FRONT_REFUSES_COMMENTS, UNMAPPED, call, sagaEnd, startOpsStack, token, type OpsStack } from './support';
import { until } from '../support/eventually';
import { startTestWorker, testConfig, uniqueTaskQueue, type TestWorker } from '../support/temporal';

/**
 * An incident of mixed failures on the real Temporal server: Front refuses comments (curable), route
 * stops that name no Turvo stop (permanent), a saga whose undo failed (compensation_failed), and a saga
 * of another deployment (another task queue, same namespace and search attributes) failing the same
 * way. The console counts sagas that need attention, groups them by cause, replays one group, and
 * the count drops to exactly what no replay can cure; the other deployment's saga is never touched.
 */
let stack: OpsStack;
let foreignWorker: TestWorker;
let api: string;
const operator = token('operator', 'oncall-erin');
const viewer = token('viewer', 'looker-finn');
const curable: string[] = [];
const permanent: string[] = [];
let undoFailed: string;
let foreign: string;

/** Notify refuses the e-mail, then Front refuses to delete the comment: the saga ends compensation_failed. */
const NOTIFY_REFUSES = { service: 'notify', method: 'POST', path: '/messages', status: 422, message: 'recipient blocked' };
const FRONT_KEEPS_COMMENTS = { service: 'front', method: 'DELETE', path: '/comments', status: 422, message: 'comment is locked' };

/** Starts a copy of one of our sagas on another task queue: same type, input and search attributes. */
async function startForeignCopy(of: string, taskQueue: string): Promise<string> {
  const client = stack.receiver.client;
  const { namespace } = client.options;
  const page = await client.workflowService.getWorkflowExecutionHistory({ namespace, execution: { workflowId: of }, maximumPageSize: 1 });
  const started = page.history!.events![0]!.workflowExecutionStartedEventAttributes!;
  const workflowId = `samsara:foreign-${randomUUID()}`;
  await client.workflowService.startWorkflowExecution({
    namespace,
    requestId: randomUUID(),
    workflowId,
    workflowType: started.workflowType,
    taskQueue: { name: taskQueue },
    input: started.input,
    searchAttributes: started.searchAttributes,
  });
  return workflowId;
}

beforeAll(async () => {
  stack = await startOpsStack('ops-attention');
  api = `${stack.receiver.url}/ops/api`;
  const otherQueue = uniqueTaskQueue('ops-attention-other');
  const config = testConfig(stack.sandbox.env);
  foreignWorker = await startTestWorker({ taskQueue: otherQueue, activities: createActivities(createClients(config.downstream)), config });

  await stack.sandbox.fail(FRONT_REFUSES_COMMENTS);
  for (let i = 0; i < 3; i++) curable.push(await stack.deliver());
  for (let i = 0; i < 2; i++) permanent.push(await stack.deliver(undefined, UNMAPPED));
  foreign = await startForeignCopy(curable[0]!, otherQueue);
  const ends = await Promise.all([...curable, ...permanent, foreign].map((id) => sagaEnd(stack.receiver.client, id)));
  expect(ends.every((e) => e === 'failed')).toBe(true);
  await stack.sandbox.clearFaults();

  await stack.sandbox.fail(NOTIFY_REFUSES);
  await stack.sandbox.fail(FRONT_KEEPS_COMMENTS);
  undoFailed = await stack.deliver();
  expect(await sagaEnd(stack.receiver.client, undoFailed)).toBe('failed');
  await stack.sandbox.clearFaults();
}, 120_000);

afterAll(async () => {
  await foreignWorker?.stop();
  await stack?.close();
});

const counts = async () => (await call(`${api}/counts`, viewer)).json;

describe('sagas that need attention', () => {
  it('counts sagas, not runs, and groups them by cause with the permanent ones marked', async () => {
    const c = await until(async () => {
      const now = await counts();
      return now.byOutcome?.attention === 6 ? now : undefined;
    }, 20_000, 'six sagas needing attention');
    expect(c).toMatchObject({ permanent: 2, fixed: 0, byOutcome: { compensated: 5, compensation_failed: 1, failed: 6 } });

    const list = (await call(`${api}/sagas?outcome=attention`, viewer)).json;
    expect(list.total).toBe(6);
    expect(list.items.map((r) => r.workflowId).sort()).toEqual([...curable, ...permanent, undoFailed].sort());
    // Newest first, by start time.
    const starts = list.items.map((r) => r.startTime);
    expect(starts).toEqual([...starts].sort().reverse());
    expect(list.groups).toEqual([
      { failedStep: 'commentOnFront', errorClass: 'front 422', permanent: false, count: 3, leftUndone: 0 },
      { failedStep: '(before first step)', errorClass: 'UnmappedRouteStop', permanent: true, count: 2, leftUndone: 0 },
      { failedStep: 'notifyCustomer', errorClass: 'notify 422', permanent: false, count: 1, leftUndone: 1 },
    ]);

    // A compensation_failed saga says what was left in place.
    const detail = (await call(`${api}/sagas/${encodeURIComponent(undoFailed)}`, viewer)).json;
    expect(detail.outcome).toBe('compensation_failed');
    expect(detail.cause).toMatchObject({ failedStep: 'notifyCustomer', errorClass: 'notify 422', leftUndone: [{ step: 'commentOnFront', phase: 'undo' }] });

    // One group, by its cause.
    const group = (await call(`${api}/sagas?outcome=attention&failedStep=commentOnFront&errorClass=${encodeURIComponent('front 422')}`, viewer)).json;
    expect(group.items.map((r) => r.workflowId).sort()).toEqual([...curable].sort());
  });

  it('finds a saga from one search box by workflow ID, event key, delivery id or request id; event types in any case', async () => {
    const target = curable[1]!;
    const detail = (await call(`${api}/sagas/${encodeURIComponent(target)}`, viewer)).json;
    const { deliveryId, requestId } = detail.delivery;
    const eventKey = detail.searchAttributes.eventKey as string;
    expect(deliveryId && requestId).toBeTruthy();
    const search = async (q: string) => (await call(`${api}/search?q=${encodeURIComponent(q)}`, viewer)).json;
    for (const [q, matchedBy] of [
      [target, 'workflowId'],
      [eventKey, 'eventKey'],
      [`${eventKey.slice(0, 12)}*`, 'eventKey'],
      [deliveryId, 'deliveryId'],
      [requestId.toUpperCase(), 'requestId'],
    ] as const) {
      const found = await search(q);
      expect({ q, matchedBy: found.matchedBy, ids: found.items.map((r) => r.workflowId) }).toEqual({ q, matchedBy, ids: [target] });
    }
    expect((await search(`nothing-${randomUUID()}`)).items).toEqual([]);
    expect((await search(foreign)).items).toEqual([]);
    const lower = (await call(`${api}/sagas?outcome=attention&eventType=routestoparrival`, viewer)).json;
    expect(lower.total).toBe(6);
  });

  it('never lists, shows or replays a workflow of another task queue in the namespace', async () => {
    // It exists, failed the same way, and carries the same search attributes.
    expect((await stack.receiver.client.workflow.getHandle(foreign).describe()).status.name).toBe('FAILED');
    for (const outcome of ['attention', 'failed', 'compensated', '']) {
      const list = (await call(`${api}/sagas?outcome=${outcome}&pageSize=200`, viewer)).json;
      expect(list.items.map((r) => r.workflowId)).not.toContain(foreign);
    }
    expect((await call(`${api}/sagas/${encodeURIComponent(foreign)}`, viewer)).status).toBe(404);
    expect((await call(`${api}/sagas/${encodeURIComponent(foreign)}/replay`, operator, { body: {} })).status).toBe(404);
    const preview = (await call(`${api}/replays/preview`, operator, { body: { filter: { outcome: 'attention', includePermanent: true } } })).json;
    expect(preview.items.map((r) => r.workflowId)).not.toContain(foreign);
    expect(preview.count).toBe(6);
  });

  it('leaves permanent failures out of bulk replay unless asked', async () => {
    const preview = (await call(`${api}/replays/preview`, operator, { body: { filter: { outcome: 'attention' } } })).json;
    expect(preview).toMatchObject({ count: 4, excluded: { permanent: 2, terminated: 0 } });
    expect(preview.items.map((r) => r.workflowId)).not.toEqual(expect.arrayContaining([permanent[0]]));
  });

  it('audits refused replays: a viewer (403) and a stale bulk confirmation (409)', async () => {
    expect((await call(`${api}/sagas/${encodeURIComponent(curable[0]!)}/replay`, viewer, { body: {} })).status).toBe(403);
    const filter = { outcome: 'attention', failedStep: 'commentOnFront', errorClass: 'front 422' };
    expect((await call(`${api}/replays`, operator, { body: { filter, expect: 2 } })).status).toBe(409);
    const audit = (await call(`${api}/audit?limit=20`, viewer)).json.entries;
    expect(audit).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ actor: 'looker-finn', action: 'replay', workflowIds: [curable[0]], outcome: 'refused:forbidden' }),
        expect.objectContaining({ actor: 'oncall-erin', action: 'bulk_replay_refused', outcome: 'refused:count_changed', counts: { count: 3, expected: 2 } }),
      ]),
    );
    // Paged and filterable.
    const mine = (await call(`${api}/audit?limit=1&actor=looker-finn`, viewer)).json;
    expect(mine.entries).toHaveLength(1);
    expect(mine.entries[0]).toMatchObject({ actor: 'looker-finn' });
    const older = (await call(`${api}/audit?limit=20&before=${mine.entries[0]!.id}&actor=looker-finn`, viewer)).json;
    expect(older.entries.every((e) => e.id < mine.entries[0]!.id)).toBe(true);
  });

  it('replays one group after the fix; the count drops to exactly the sagas no replay can cure', async () => {
    const filter = { outcome: 'attention', failedStep: 'commentOnFront', errorClass: 'front 422' };
    const preview = (await call(`${api}/replays/preview`, operator, { body: { filter } })).json;
    expect(preview.count).toBe(3);
    const started = await call(`${api}/replays`, operator, { body: { filter, expect: 3 } });
    expect(started.status).toBe(202);
    const job = await until(async () => {
      const res = (await call(`${api}/replays/${started.json.jobId}`, viewer)).json;
      return res.state === 'done' ? res : undefined;
    }, 60_000, 'the group replay');
    expect(job).toMatchObject({ replayed: 3, outcomes: { completed: 3, failedAgain: 0, running: 0 } });

    const replay = await call(`${api}/sagas/${encodeURIComponent(undoFailed)}/replay`, operator, { body: {} });
    expect(replay.status).toBe(201);
    expect(await sagaEnd(stack.receiver.client, undoFailed)).toBe('completed');

    const after = await until(async () => {
      const now = await counts();
      return now.byOutcome.attention === 2 && now.fixed === 4 ? now : undefined;
    }, 20_000, 'two sagas left needing attention');
    expect(after).toMatchObject({ permanent: 2, byOutcome: { attention: 2, failed: 2, compensated: 2, compensation_failed: 0 } });
    const left = (await call(`${api}/sagas?outcome=attention`, viewer)).json;
    expect(left.items.map((r) => r.workflowId).sort()).toEqual([...permanent].sort());

    // Temporal agrees: each replayed saga's latest run completed; the permanent ones and the other deployment's have one run each.
    for (const id of [...curable, undoFailed]) expect((await stack.receiver.client.workflow.getHandle(id).describe()).status.name).toBe('COMPLETED');
    for (const id of [...permanent, foreign]) {
      let runs = 0;
      for await (const _ of stack.receiver.client.workflow.list({ query: `WorkflowId = '${id}'` })) runs++;
      expect(runs).toBe(1);
    }
  });
});
