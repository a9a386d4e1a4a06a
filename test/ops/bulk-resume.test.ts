import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { ENTITY_LOCK_WORKFLOW } from '../../core/saga/entity-lock';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { createActivities, createClients } from '../../sagas/activities';
import { PrivateRedis } from '../intake/support/private-servers';
import { DIRECT_STARTS, startReceiver, type TestReceiver } from '../support/receiver';
import { startTestWorker, temporalAddress, testConfig, uniqueRedisPrefix, uniqueTaskQueue, type TestWorker } from '../support/temporal';
import { OPS_ENV, SAMSARA_SECRET, call, deliverRouteStop, inBatches, sagaEnd, startSandbox, token } from './support';
import type { OpsJson } from '../support/answers';
import { until } from '../support/eventually';
import { freePort } from '../support/ports';

/**
 * A bulk replay job outlives what goes wrong under it: its Redis stalling for 3 s (SIGSTOP of a
 * private redis-server, never the shared one), and the receiver running it being killed. Temporal's
 * own account decides: every saga has exactly one new run, and the job's outcome counts match it.
 */
const ROOT = join(__dirname, '..', '..');
const PRIVATE_REDIS_PORT = 6397;
/** Records refuses the links lookup: the saga fails at its first step, one activity, nothing to undo. */
const RECORDS_REFUSE_LINKS = { service: 'records', method: 'GET', path: '/links$', status: 422, message: 'no such shipment' };
const operator = token('operator', 'oncall-carol');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let sandbox: Awaited<ReturnType<typeof startSandbox>>;
let worker: TestWorker;
let taskQueue: string;
let baseEnv: Record<string, string>;

beforeAll(async () => {
  sandbox = await startSandbox();
  taskQueue = uniqueTaskQueue('ops-bulk-resume');
  // Few at a time, so the job is still going when something is done to it.
  baseEnv = { ...sandbox.env, ...OPS_ENV, ...DIRECT_STARTS, SAMSARA_WEBHOOK_SECRETS: SAMSARA_SECRET, TEMPORAL_TASK_QUEUE: taskQueue, OPS_REPLAY_CONCURRENCY: '2' };
  const config = testConfig(baseEnv);
  worker = await startTestWorker({ taskQueue, activities: createActivities(createClients(config.downstream)), config });
});

afterAll(async () => {
  await worker?.stop();
  await sandbox?.close();
});

/** `count` sagas that failed; `since` lets a job's filter take only these. */
async function failedSagas(receiverUrl: string, client: Client, count: number): Promise<{ ids: string[]; since: string }> {
  const since = new Date().toISOString();
  await sandbox.fail(RECORDS_REFUSE_LINKS);
  const ids = await inBatches(Array.from({ length: count }, () => randomUUID()), 25, (id) => deliverRouteStop(receiverUrl, id));
  const ends = await Promise.all(ids.map((id) => sagaEnd(client, id)));
  expect(ends.filter((e) => e === 'failed')).toHaveLength(count);
  await sandbox.clearFaults();
  return { ids, since };
}

async function startJob(receiverUrl: string, { ids, since }: { ids: string[]; since: string }): Promise<string> {
  const filter = { outcome: 'failed', taskQueue, from: since };
  await until(async () => (await call(`${receiverUrl}/ops/api/replays/preview`, operator, { body: { filter } })).json.count >= ids.length, 20_000, 'the failed sagas in visibility');
  const started = await call(`${receiverUrl}/ops/api/replays`, operator, { body: { filter, expect: ids.length } });
  expect(started).toMatchObject({ status: 202, json: { total: ids.length } });
  return started.json.jobId as string;
}

async function job(receiverUrl: string, jobId: string): Promise<OpsJson | undefined> {
  const res = await call(`${receiverUrl}/ops/api/replays/${jobId}`, token('viewer')).catch(() => undefined);
  return res?.status === 200 ? res.json : undefined;
}

/** Temporal's account: runs per workflow ID, and how each workflow's newest run ended. */
async function temporalRuns(client: Client, ids: string[]): Promise<{ runs: Map<string, number>; latest: Map<string, string> }> {
  const wanted = new Set(ids);
  await until(async () => (await client.workflow.count(`TaskQueue = '${taskQueue}' AND WorkflowType != '${ENTITY_LOCK_WORKFLOW}' AND ExecutionStatus != 'Running'`)).count >= 2 * ids.length, 20_000, 'the runs in visibility');
  const runs = new Map<string, number>();
  for await (const info of client.workflow.list({ query: `TaskQueue = '${taskQueue}' AND WorkflowType != '${ENTITY_LOCK_WORKFLOW}'` })) {
    if (wanted.has(info.workflowId)) runs.set(info.workflowId, (runs.get(info.workflowId) ?? 0) + 1);
  }
  const latest = new Map(await Promise.all(ids.map(async (id) => [id, (await client.workflow.getHandle(id).describe()).status.name] as const)));
  return { runs, latest };
}

it('a bulk job whose Redis stalls for 3 s mid-job replays every saga exactly once, ends, and counts how the replays ended', async () => {
  // Enough that the job is still replaying when Redis stalls (checked below), few enough to be quick.
  const COUNT = 40;
  const redis = new PrivateRedis(PRIVATE_REDIS_PORT);
  await redis.start();
  let receiver: TestReceiver | undefined;
  try {
    // The sagas come in through a receiver on the shared Redis; the one on the private Redis runs the job.
    const intake = await startReceiver(baseEnv);
    const sagas = await failedSagas(intake.url, intake.client, COUNT).finally(() => intake.close());
    receiver = await startReceiver({ ...baseEnv, REDIS_URL: redis.url, OPS_REPLAY_CONCURRENCY: '4' }, {}, { productionRedis: true });
    const { ids } = sagas;
    // The first ten replays fail again; the others complete.
    await sandbox.fail({ ...RECORDS_REFUSE_LINKS, times: 10 });
    const jobId = await startJob(receiver.url, sagas);

    const before = await until(async () => {
      const made = (await job(receiver!.url, jobId))?.results.length ?? 0;
      return made >= 5 && made;
    }, 30_000, '5 replays made');
    redis.freeze();
    await sleep(3000);
    redis.thaw();

    let last: OpsJson | undefined;
    // A deadline, not a speed check: on a loaded 2-core machine the last replayed runs took over a minute to end.
    const done = await until(async () => {
      last = (await job(receiver!.url, jobId)) ?? last;
      return last?.state === 'done' ? last : undefined;
    }, 120_000, 'the job to end').catch((err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify({ ...last, results: last?.results.length })}`);
    });
    // The stall came mid-job: replays were still to be made when Redis froze.
    expect(before).toBeLessThan(COUNT);
    const { runs, latest } = await temporalRuns(receiver.client, ids);
    expect([...runs.values()].filter((n) => n !== 2)).toEqual([]);
    expect(runs.size).toBe(COUNT);
    const completed = [...latest.values()].filter((s) => s === 'COMPLETED').length;
    expect(done).toMatchObject({ total: COUNT, replayed: COUNT, refused: 0, errors: 0, outcomes: { completed, failedAgain: COUNT - completed, running: 0 } });
    expect(completed).toBe(COUNT - 10);
  } finally {
    await receiver?.close();
    await redis.stop();
  }
}, 240_000);

it('a receiver killed mid-job: another takes the job over once its lease expires, and every saga is replayed exactly once', async () => {
  const COUNT = 30;
  const env = { ...baseEnv, REDIS_KEY_PREFIX: uniqueRedisPrefix('ops-bulk-resume') };
  // The survivor finishes the job at the default pace; only the doomed process goes slowly, so it is killed mid-job.
  const survivor = await startReceiver({ ...env, OPS_REPLAY_CONCURRENCY: '4' });
  let child: ChildProcess | undefined;
  try {
    // The job runs in a real receiver process, which is then SIGKILLed: no handover, the lease just stops being renewed.
    // Started first, so that it boots while the sagas are made and fail.
    const port = await freePort();
    child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'server.ts')], {
      cwd: ROOT,
      env: { ...process.env, ...env, NODE_ENV: 'test', TEMPORAL_ADDRESS: temporalAddress(), PORT: String(port), HOST: '127.0.0.1', FORWARDER_IN_PROCESS: 'false', LOG_LEVEL: 'error' },
      stdio: 'ignore',
    });
    const doomed = `http://127.0.0.1:${port}`;
    const sagas = await failedSagas(survivor.url, survivor.client, COUNT);
    const { ids } = sagas;
    await until(async () => (await fetch(`${doomed}/healthz`).catch(() => undefined))?.ok, 30_000, 'the receiver process');
    const jobId = await startJob(doomed, sagas);
    await until(async () => ((await job(doomed, jobId))?.results.length ?? 0) >= 5, 30_000, '5 replays made');
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGKILL');
    await exited;

    const stalled = (await job(survivor.url, jobId))!;
    expect(stalled.results.length).toBeLessThan(COUNT);
    // Nobody holds it now: the job says so, with its counts, until the survivor takes it over.
    await until(async () => (await job(survivor.url, jobId))?.state === 'interrupted', 15_000, 'the job shown interrupted');

    const done = await until(async () => {
      const j = await job(survivor.url, jobId);
      return j?.state === 'done' ? j : undefined;
    }, 60_000, 'the job resumed and ended');
    expect(done).toMatchObject({ total: COUNT, replayed: COUNT, refused: 0, errors: 0, outcomes: { completed: COUNT, failedAgain: 0, running: 0 } });
    expect(done.interruptions).toEqual([expect.objectContaining({ handled: expect.any(Number) })]);
    expect(done.interruptions[0]!.handled).toBeGreaterThanOrEqual(stalled.results.length);

    const { runs, latest } = await temporalRuns(survivor.client, ids);
    expect(runs.size).toBe(COUNT);
    expect([...runs.values()].filter((n) => n !== 2)).toEqual([]);
    expect([...latest.values()].filter((s) => s !== 'COMPLETED')).toEqual([]);
  } finally {
    child?.kill('SIGKILL');
    await survivor.close();
  }
}, 150_000);
