import type { Client } from '@temporalio/client';
import { createActivities, createClients } from '../../sagas/activities';
import { startTestWorker, testClient, testConfig, uniqueTaskQueue, type TestWorker } from '../support/temporal';
import { routeStopArrival } from '../../scripts/lib/saga-events';
import { startSandbox, type RunningSandbox } from '../support/sandbox';
import { collect } from './support/saga-run';

/**
 * A worker stopped in the middle of a step: Front has made the comment but not yet answered when
 * the worker shuts down (the sandbox answers that call 3 s late). The activity is cancelled, a new
 * worker picks up the retry, and the sandbox answers the repeated idempotency key with its first
 * result: the saga completes and no effect happens twice.
 */
const taskQueue = uniqueTaskQueue('saga-restart');
let sandbox: RunningSandbox;
let client: Client;
let closeClient: () => Promise<void>;
const workers: TestWorker[] = [];

beforeAll(async () => {
  sandbox = await startSandbox();
  ({ client, close: closeClient } = await testClient());
});

afterAll(async () => {
  for (const w of workers) await w.stop();
  await closeClient?.();
  await sandbox?.close();
});

async function startWorker(): Promise<TestWorker> {
  const config = testConfig(sandbox.env);
  // A short grace: the running activity is cancelled 200 ms after shutdown starts, mid-call.
  const worker = await startTestWorker({ taskQueue, activities: createActivities(createClients(config.downstream)), config, shutdownGraceTime: '200 ms' });
  workers.push(worker);
  return worker;
}

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

it('completes on a new worker after the first stopped mid-step, without a duplicated downstream effect', async () => {
  const first = await startWorker();
  const fault = await fetch(`${sandbox.url}/_sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ service: 'front', method: 'POST', path: '/comments$', delayMs: 3000, times: 1 }),
  });
  expect(fault.status).toBe(201);

  const input = routeStopArrival();
  const handle = await client.workflow.start('samsaraRouteStopSaga', { taskQueue, workflowId: `${input.meta.workflowId}:restart`, args: [input] });
  const commentCalls = () => sandbox.requests().filter((r) => r.service === 'front' && r.method === 'POST');
  await until(() => commentCalls().length === 1, 'the comment call to reach Front');

  workers.splice(workers.indexOf(first), 1);
  await first.stop();
  expect(first.worker.getState()).toBe('STOPPED');
  await startWorker();

  const r = await collect(handle);
  expect(r.failure).toBeUndefined();
  expect(r.result).toMatchObject({ shipmentId: '98765', commentId: 'com_1' });

  // The comment was made once; the retry under the same key was answered from the sandbox's cache.
  const mine = sandbox.requests().filter((q) => q.idempotencyKey?.startsWith(r.keyPrefix));
  expect(mine.map((q) => [q.method, q.idempotencyKey!.slice(r.keyPrefix.length), !!q.replayed])).toEqual([
    ['PUT', 'updateTurvoStop', false],
    ['POST', 'commentOnFront', false],
    ['POST', 'commentOnFront', true],
    ['POST', 'notifyCustomer', false],
  ]);
  expect([...sandbox.data().comments.values()].filter((c) => c.key === `${r.keyPrefix}commentOnFront`)).toHaveLength(1);
  expect(sandbox.data().messages).toHaveLength(1);
  expect(r.status.steps.find((s) => s.step === 'commentOnFront')).toMatchObject({ state: 'completed', attempts: 2 });
});
