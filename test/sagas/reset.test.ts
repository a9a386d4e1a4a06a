import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { createActivities, createClients } from '../../sagas/activities';
import { sagaUndoFailures } from '../../src/worker/saga-metrics';
import { startTestWorker, testClient, testConfig, uniqueTaskQueue, type TestWorker } from '../support/temporal';
import { routeStopArrival } from '../../scripts/lib/saga-events';
import { startSandbox, type RunningSandbox } from '../support/sandbox';
import { collect, type SagaRun } from './support/saga-run';

/**
 * Temporal Reset on compensated route-stop sagas, against the downstream sandbox. A reset run gets a
 * new run ID: every step it runs again writes under a new key (a fresh effect, never the cached answer
 * of a write the first run undid), the steps it keeps come from history with the key they wrote
 * under, and their undo reverses exactly that write.
 */
const taskQueue = uniqueTaskQueue('saga-reset');
const COMMENTS = { service: 'front', method: 'POST', path: '/comments$', status: 422, message: 'conversation is archived' };
const EN_ROUTE = '2101';
const AT_STOP = '2104';
let sandbox: RunningSandbox;
let client: Client;
let closeClient: () => Promise<void>;
let worker: TestWorker;

beforeAll(async () => {
  sandbox = await startSandbox();
  ({ client, close: closeClient } = await testClient());
  const config = testConfig(sandbox.env);
  worker = await startTestWorker({ taskQueue, activities: createActivities(createClients(config.downstream)), config });
});

afterAll(async () => {
  await worker?.stop();
  await closeClient?.();
  await sandbox?.close();
});

beforeEach(() => sandbox.reset());

async function runSaga(): Promise<SagaRun> {
  const input = routeStopArrival();
  const workflowId = `${input.meta.workflowId}:reset`;
  const handle = await client.workflow.start('samsaraRouteStopSaga', { taskQueue, workflowId, args: [{ ...input, meta: { ...input.meta, workflowId } }] });
  return collect(handle);
}

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

/** The WorkflowTaskCompleted event that follows the completion of the first `activityType` activity: resetting there keeps that step. */
function taskAfter(events: HistoryEvent[], activityType: string): HistoryEvent {
  const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activityType);
  const completed = events.find((e) => e.activityTaskCompletedEventAttributes && Number(e.activityTaskCompletedEventAttributes.scheduledEventId) === Number(scheduled?.eventId));
  const task = events.find((e) => e.workflowTaskCompletedEventAttributes && Number(e.eventId) > Number(completed?.eventId));
  if (!task) throw new Error(`no workflow task after ${activityType}`);
  return task;
}

const firstWorkflowTask = (events: HistoryEvent[]) => events.find((e) => e.workflowTaskCompletedEventAttributes)!;

/** Resets the run (as `temporal workflow reset` does) to after the given WorkflowTaskCompleted event; answers the new run. */
async function reset(run: SagaRun, pick: (events: HistoryEvent[]) => HistoryEvent): Promise<SagaRun> {
  const history = await run.handle.fetchHistory();
  const { runId } = await client.workflowService.resetWorkflowExecution({
    namespace: 'default',
    workflowExecution: { workflowId: run.workflowId, runId: (await run.handle.describe()).runId },
    workflowTaskFinishEventId: pick(history.events ?? []).eventId,
    reason: 'test: fault fixed',
    requestId: randomUUID(),
  });
  return collect(client.workflow.getHandle(run.workflowId, runId!));
}

/** Writes the sandbox got for this workflow since `seq`: [method, key after the run's prefix or the whole key, answered from cache]. */
function writesSince(seq: number, workflowId: string, prefix: string) {
  return sandbox
    .requests()
    .filter((r) => r.seq > seq && r.idempotencyKey?.startsWith(workflowId))
    .map((r) => [r.method, r.idempotencyKey!.startsWith(prefix) ? r.idempotencyKey!.slice(prefix.length) : r.idempotencyKey!, !!r.replayed]);
}

/** A saga run, a reset and a second run: a loaded machine makes each workflow task slow. */
const TIMEOUT_MS = 180_000;

const lastSeq = () => sandbox.requests().at(-1)?.seq ?? 0;
const stopStatus = () => sandbox.data().shipments.get('98765')!.stops.find((s) => s.id === 'STOP-2')!.status.code.key;
const linkReads = (since: number) => sandbox.requests().filter((r) => r.seq > since && r.service === 'records' && r.method === 'GET');

async function compensatedRun(): Promise<SagaRun> {
  await sandbox.fail(COMMENTS);
  const first = await runSaga();
  expect(first.failure).toMatchObject({ outcome: 'compensated', failedStep: 'commentOnFront', stepsUndone: ['updateTurvoStop'] });
  expect(stopStatus()).toBe(EN_ROUTE);
  await sandbox.clearFaults();
  return first;
}

it('reset to the first workflow task of a compensated saga: every write is made again under new keys, none answered from cache', async () => {
  const first = await compensatedRun();
  const mark = lastSeq();

  const again = await reset(first, firstWorkflowTask);
  expect(again.keyPrefix).not.toBe(first.keyPrefix);
  expect(again.failure).toBeUndefined();
  expect(again.status.outcome).toBe('completed');
  expect(writesSince(mark, first.workflowId, again.keyPrefix)).toEqual([
    ['PUT', 'updateTurvoStop', false],
    ['POST', 'commentOnFront', false],
    ['POST', 'notifyCustomer', false],
  ]);
  // The effects are there: the stop update the first run undid is made again, the comment exists once.
  expect(stopStatus()).toBe(AT_STOP);
  expect([...sandbox.data().comments.values()].map((c) => c.key)).toEqual([`${again.keyPrefix}commentOnFront`]);
  expect(sandbox.data().messages).toHaveLength(1);
}, TIMEOUT_MS);

it('reset to after the first step: the kept lookup is not made again, every later write is fresh', async () => {
  const first = await compensatedRun();
  const mark = lastSeq();

  const again = await reset(first, (events) => taskAfter(events, 'getShipmentLinks'));
  expect(again.status.outcome).toBe('completed');
  expect(linkReads(mark)).toEqual([]);
  expect(writesSince(mark, first.workflowId, again.keyPrefix)).toEqual([
    ['PUT', 'updateTurvoStop', false],
    ['POST', 'commentOnFront', false],
    ['POST', 'notifyCustomer', false],
  ]);
  expect(stopStatus()).toBe(AT_STOP);
}, TIMEOUT_MS);

it('an undo that failed is recorded with its key; a reset past that step keeps it, and after a second failure its undo reverses the original write', async () => {
  const undoFailuresBefore = (await sagaUndoFailures.get()).values.find((v) => v.labels.step === 'updateTurvoStop')?.value ?? 0;
  // The comment is refused 1.5 s late, long enough to lock the stop before the compensation reaches it.
  await sandbox.fail({ ...COMMENTS, delayMs: 1500 });
  const pending = runSaga();
  const deadline = Date.now() + 60_000;
  while (!sandbox.requests().some((r) => r.service === 'front' && r.method === 'POST')) {
    if (Date.now() > deadline) throw new Error('the comment never reached Front');
    await new Promise((r) => setTimeout(r, 25));
  }
  await sandbox.fail({ service: 'turvo', method: 'PUT', path: '/stops/STOP-2/status$', status: 400, message: 'stop is locked' });
  const first = await pending;

  const originalKey = `${first.keyPrefix}updateTurvoStop`;
  expect(first.failure).toMatchObject({
    outcome: 'compensation_failed',
    stepsFailed: [
      { step: 'commentOnFront', phase: 'run' },
      { step: 'updateTurvoStop', phase: 'undo', key: originalKey, error: expect.stringContaining('stop is locked') },
    ],
  });
  expect(first.status.steps.find((s) => s.step === 'updateTurvoStop')).toMatchObject({ state: 'undo_failed', key: originalKey });
  expect((await sagaUndoFailures.get()).values.find((v) => v.labels.step === 'updateTurvoStop')?.value).toBe(undoFailuresBefore + 1);
  expect(stopStatus()).toBe(AT_STOP);

  // Turvo unlocked; Front still refuses. Reset to after the stop update: the reset run keeps it from history.
  await sandbox.clearFaults();
  await sandbox.fail(COMMENTS);
  const mark = lastSeq();
  const again = await reset(first, (events) => taskAfter(events, 'updateStopStatus'));

  expect(again.failure).toMatchObject({ outcome: 'compensated', failedStep: 'commentOnFront', stepsUndone: ['updateTurvoStop'] });
  expect(again.status.steps.find((s) => s.step === 'updateTurvoStop')).toMatchObject({ state: 'undone', key: originalKey });
  // Not written twice; the undo names the first run's write and is a real effect (the failed attempt left nothing cached).
  expect(writesSince(mark, first.workflowId, again.keyPrefix)).toEqual([
    ['POST', 'commentOnFront', false],
    ['PUT', `${originalKey}/undo`, false],
  ]);
  expect(stopStatus()).toBe(EN_ROUTE);
}, TIMEOUT_MS);
