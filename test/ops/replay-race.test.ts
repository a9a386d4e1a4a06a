import { randomUUID } from 'node:crypto';
import { ENTITY_LOCK_WORKFLOW } from '../../core/saga/entity-lock';
import { Client, Connection } from '@temporalio/client';
import { createActivities, createClients } from '../../sagas/activities';
import { DIRECT_STARTS, startReceiver, type TestReceiver } from '../support/receiver';
import { startTestWorker, temporalAddress, testConfig, uniqueRedisPrefix, uniqueTaskQueue, type TestWorker } from '../support/temporal';
import { OPS_ENV, SAMSARA_SECRET, call, deliverRouteStop, inBatches, sagaEnd, startSandbox, token } from './support';
import { eventually, until } from '../support/eventually';

/**
 * Two on-call engineers replay the same failed run at the same moment, through two receivers that
 * share Redis: 60 such pairs. Each replay fails again at once (the fault stays armed). The second
 * receiver's start call reaches Temporal in one of three ways, a third of the pairs each:
 * - together: as soon as it is made, racing the first receiver's;
 * - late: 0-1.5 s late, as on a loaded network;
 * - after: held until the first receiver's replay has run and failed again. A start that looked at
 *   the failed run and lands after the first replay already failed again is what let a second run
 *   through before (ALLOW_DUPLICATE_FAILED_ONLY admits it): random delays found it in 4 of 250
 *   pairs, this lands every one of its pairs in that window.
 * Temporal must end with exactly one new run per workflow.
 */
const PAIRS = 60;
const MODES = ['together', 'late', 'after'] as const;
/** Records refuses the links lookup: the saga fails at its first step, one activity, nothing to undo. */
const RECORDS_REFUSE_LINKS = { service: 'records', method: 'GET', path: '/links$', status: 422, message: 'no such shipment' };

let sandbox: Awaited<ReturnType<typeof startSandbox>>;
let worker: TestWorker;
let alice: TestReceiver;
let bob: TestReceiver;
let taskQueue: string;
let workflowIds: string[];
let slowConnection: Connection;
/** Per workflow ID, what the second receiver's start call waits for before it reaches Temporal. */
const holds = new Map<string, () => Promise<unknown>>();
/** Workflow IDs whose second start call was made (a request refused by the Redis guard before it never is). */
const startsMade = new Set<string>();

/** A Temporal client whose start calls reach the server after their workflow's hold; everything else is as usual. */
async function heldStartsClient(): Promise<Client> {
  slowConnection = await Connection.connect({ address: temporalAddress() });
  const service = slowConnection.workflowService;
  const slowService = new Proxy(service, {
    get(target, prop) {
      const value = Reflect.get(target, prop) as unknown;
      if (prop !== 'startWorkflowExecution' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
      return async (request: { workflowId?: string | null }) => {
        startsMade.add(request.workflowId ?? '');
        await holds.get(request.workflowId ?? '')?.();
        return value.call(target, request);
      };
    },
  });
  const connection = new Proxy(slowConnection, { get: (target, prop, receiver) => (prop === 'workflowService' ? slowService : Reflect.get(target, prop, receiver)) });
  return new Client({ connection });
}

beforeAll(async () => {
  sandbox = await startSandbox();
  taskQueue = uniqueTaskQueue('ops-race');
  // One key prefix for both: they are two replicas of one deployment.
  const env = { ...sandbox.env, ...OPS_ENV, ...DIRECT_STARTS, SAMSARA_WEBHOOK_SECRETS: SAMSARA_SECRET, TEMPORAL_TASK_QUEUE: taskQueue, REDIS_KEY_PREFIX: uniqueRedisPrefix('ops-race') };
  [alice, bob] = await Promise.all([startReceiver(env), startReceiver(env, { temporal: await heldStartsClient() })]);
  const config = testConfig(env);
  worker = await startTestWorker({ taskQueue, activities: createActivities(createClients(config.downstream)), config });
  await sandbox.fail(RECORDS_REFUSE_LINKS);
  workflowIds = await inBatches(Array.from({ length: PAIRS }, () => randomUUID()), 25, (id) => deliverRouteStop(alice.url, id));
  const ends = await Promise.all(workflowIds.map((id) => sagaEnd(alice.client, id)));
  expect(ends.filter((e) => e === 'failed')).toHaveLength(PAIRS);
}, 180_000);

afterAll(async () => {
  await worker?.stop();
  await Promise.all([alice?.close(), bob?.close()]);
  await slowConnection?.close();
  await sandbox?.close();
});

/** Until the workflow's newest run is a replay of `runId` that failed again (bounded: the assertions say what went wrong). */
function replayFailed(client: Client, workflowId: string, runId: string): () => Promise<unknown> {
  return () =>
    eventually(
      () => client.workflow.getHandle(workflowId).describe(),
      (d) => d.runId !== runId && d.status.name === 'FAILED',
      { timeoutMs: 60_000, everyMs: 100 },
    );
}

it('60 racing pairs of replays of one failed run each (together, late, after the first failed): one wins, the other gets 409 with its run, one new run per workflow', async () => {
  const modes = workflowIds.map((workflowId, i) => ({ workflowId, mode: MODES[i % MODES.length]! }));
  const pairs = await inBatches(modes, 30, async ({ workflowId, mode }) => {
    const { runId } = await alice.client.workflow.getHandle(workflowId).describe();
    if (mode === 'late') holds.set(workflowId, () => new Promise((r) => setTimeout(r, Math.random() * 1500)));
    if (mode === 'after') holds.set(workflowId, replayFailed(alice.client, workflowId, runId));
    const path = `/ops/api/sagas/${encodeURIComponent(workflowId)}/replay`;
    const answers = await Promise.all([
      call(`${alice.url}${path}`, token('operator', 'oncall-alice'), { body: { runId } }),
      call(`${bob.url}${path}`, token('operator', 'oncall-bob'), { body: { runId } }),
    ]);
    return { workflowId, mode, previousRunId: runId, answers };
  });
  // The window was entered: second starts made only after the first replay had failed again.
  const afterStarts = pairs.filter((p) => p.mode === 'after' && startsMade.has(p.workflowId)).length;
  console.log(`replay race: ${afterStarts} of ${pairs.filter((p) => p.mode === 'after').length} 'after' pairs reached Temporal's start`);
  expect(afterStarts).toBeGreaterThan(0);

  for (const { workflowId, mode, previousRunId, answers } of pairs) {
    const won = answers.filter((a) => a.status === 201);
    const lost = answers.filter((a) => a.status === 409);
    expect({ workflowId, mode, won: won.length, lost: lost.length }).toEqual({ workflowId, mode, won: 1, lost: 1 });
    expect(won[0]!.json).toMatchObject({ workflowId, previousRunId });
    expect(lost[0]!.json).toMatchObject({ workflowId, runId: won[0]!.json.runId });
    expect(lost[0]!.json.error).toMatch(/^replay_refused_(already_replayed|running)$/);
  }

  // Every replay fails again (the fault is still armed); then count the runs Temporal has per workflow.
  await Promise.allSettled(pairs.map((p) => alice.client.workflow.getHandle(p.workflowId).result()));
  await until(async () => (await alice.client.workflow.count(`TaskQueue = '${taskQueue}' AND WorkflowType != '${ENTITY_LOCK_WORKFLOW}' AND ExecutionStatus != 'Running'`)).count >= 2 * PAIRS, 60_000, 'every run in visibility');
  const runs = new Map<string, number>();
  for await (const info of alice.client.workflow.list({ query: `TaskQueue = '${taskQueue}' AND WorkflowType != '${ENTITY_LOCK_WORKFLOW}'` })) runs.set(info.workflowId, (runs.get(info.workflowId) ?? 0) + 1);
  expect(runs.size).toBe(PAIRS);
  expect([...runs.entries()].filter(([, n]) => n !== 2)).toEqual([]);

  // Both decisions are in the audit log, the refusal naming the run that won.
  const sample = pairs[pairs.length - 1]!;
  const entries = (await call(`${alice.url}/ops/api/audit?limit=500`, token('viewer'))).json.entries.filter((e: { workflowIds?: string[] }) =>
    e.workflowIds?.includes(sample.workflowId),
  );
  const winner = sample.answers.find((a) => a.status === 201)!.json.runId;
  expect(entries.map((e: { outcome: string; runId: string }) => [e.outcome.replace(/running$/, 'already_replayed'), e.runId]).sort()).toEqual(
    [
      ['refused:already_replayed', winner],
      ['replayed', winner],
    ].sort(),
  );
}, 150_000);
