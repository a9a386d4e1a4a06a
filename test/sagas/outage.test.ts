import type { Client } from '@temporalio/client';
import { createActivities, createClients } from '../../sagas/activities';
import { statusQuery } from '../../core/saga/status';
import { startTestWorker, testClient, testConfig, uniqueTaskQueue, type TestWorker } from '../support/temporal';
import { routeStopArrival } from '../../scripts/lib/saga-events';
import { startSandbox, type RunningSandbox } from '../support/sandbox';
import { collect, type SagaRun } from './support/saga-run';

/**
 * A downstream that is unavailable is waited out for its outage horizon; only the end of the horizon
 * (or a refusal) compensates. Test-sized settings: Front may be out for 60 s, Turvo for 3 s, and the
 * backoff runs from 200 ms to 400 ms (the tries land about 1 s apart on the dev server). The old policy gave
 * up after 6 attempts and ignored Retry-After.
 */
const taskQueue = uniqueTaskQueue('saga-outage');
const COMMENTS = { service: 'front', method: 'POST', path: '/comments$' };
let sandbox: RunningSandbox;
let client: Client;
let closeClient: () => Promise<void>;
let worker: TestWorker;

beforeAll(async () => {
  sandbox = await startSandbox();
  ({ client, close: closeClient } = await testClient());
  const config = testConfig({
    ...sandbox.env,
    FRONT_OUTAGE_HORIZON_SECONDS: '60',
    TURVO_OUTAGE_HORIZON_SECONDS: '3',
    DOWNSTREAM_RETRY_INITIAL_MS: '200',
    DOWNSTREAM_RETRY_MAX_MS: '400',
  });
  worker = await startTestWorker({ taskQueue, activities: createActivities(createClients(config.downstream)), config });
});

afterAll(async () => {
  await worker?.stop();
  await closeClient?.();
  await sandbox?.close();
});

beforeEach(() => sandbox.reset());

async function start() {
  const input = routeStopArrival();
  const workflowId = `${input.meta.workflowId}:outage`;
  return client.workflow.start('samsaraRouteStopSaga', { taskQueue, workflowId, args: [{ ...input, meta: { ...input.meta, workflowId } }] });
}

const commentCalls = () => sandbox.requests().filter((r) => r.service === 'front' && r.method === 'POST');
const undos = (r: SagaRun) => sandbox.requests().filter((q) => q.idempotencyKey?.startsWith(r.keyPrefix) && q.idempotencyKey.endsWith('/undo'));

it('a Front outage of 8 failed attempts, then recovery: the saga waits it out and completes without compensating; status shows the wait', async () => {
  await sandbox.fail({ ...COMMENTS, status: 503, times: 8 });
  const handle = await start();

  // While Front is down the saga says what it waits for.
  let waiting;
  for (let i = 0; i < 200 && !waiting; i++) {
    await new Promise((r) => setTimeout(r, 50));
    waiting = (await handle.query(statusQuery)).steps.find((s) => s.step === 'commentOnFront')?.waiting;
  }
  expect(waiting).toMatchObject({ service: 'front', attempt: expect.any(Number), lastError: expect.stringContaining('answered 503') });
  expect(Date.parse(waiting!.nextTryAt)).toBeGreaterThan(Date.now() - 5_000);

  const r = await collect(handle);
  expect(r.failure).toBeUndefined();
  expect(r.status.outcome).toBe('completed');
  expect(commentCalls().map((c) => c.status)).toEqual([...Array(8).fill(503), 201]);
  expect(new Set(commentCalls().map((c) => c.idempotencyKey))).toEqual(new Set([`${r.keyPrefix}commentOnFront`]));
  expect(r.status.steps.find((s) => s.step === 'commentOnFront')).toMatchObject({ state: 'completed', attempts: 9 });
  expect(r.status.steps.find((s) => s.step === 'commentOnFront')?.waiting).toBeUndefined();
  expect(undos(r)).toEqual([]);
  expect(sandbox.data().messages).toHaveLength(1);
}, 120_000);

it('an outage longer than the horizon compensates, and the step that gave up is undone too (its effect is unknown)', async () => {
  await sandbox.fail({ service: 'turvo', method: 'PUT', path: '/stops/STOP-2/status$', status: 503 });
  const started = Date.now();
  const r = await collect(await start());

  expect(Date.now() - started).toBeGreaterThanOrEqual(2_500);
  expect(r.failure).toMatchObject({
    outcome: 'compensated',
    failedStep: 'updateTurvoStop',
    stepsUndone: ['updateTurvoStop'],
    error: expect.stringContaining('outage horizon 3 s'),
  });
  const puts = sandbox.requests().filter((q) => q.service === 'turvo' && q.method === 'PUT');
  expect(puts.length).toBeGreaterThanOrEqual(2);
  expect(puts.every((q) => q.status === 503)).toBe(true);
  expect(commentCalls()).toEqual([]);
}, 120_000);

it('a 429 with Retry-After: 7 is retried no sooner than 7 s later', async () => {
  await sandbox.fail({ ...COMMENTS, status: 429, retryAfter: 7, times: 1 });
  const r = await collect(await start());

  expect(r.status.outcome).toBe('completed');
  const [refused, accepted] = commentCalls();
  expect([refused?.status, accepted?.status]).toEqual([429, 201]);
  const waitedMs = Date.parse(accepted!.at) - Date.parse(refused!.at);
  expect(waitedMs).toBeGreaterThanOrEqual(7_000);
  expect(waitedMs).toBeLessThan(20_000);
}, 120_000);
