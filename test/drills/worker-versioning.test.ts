import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, type WorkflowBundleOption } from '@temporalio/worker';
import { TEMPORAL_BIN } from '../../scripts/lib/stack';
import { loadConfig } from '../../src/config';
import { createWorker } from '../../src/worker/create-worker';
import { sagaInput, turvoStatusEvent } from '../../scripts/lib/saga-events';
import { PrivateTemporal } from '../intake/support/private-servers';
import { installTestRuntime, uniqueTaskQueue } from '../support/temporal';
import { proceed } from './versioning/drill-saga';

/**
 * Worker Versioning drill on a Temporal dev server of its own: workers run as Worker Deployment
 * Versions through the project's worker (src/worker/create-worker.ts, configured as in production
 * by WORKER_DEPLOYMENT_NAME and WORKER_BUILD_ID, connected through a TOML client profile), and the
 * operator moves traffic with the documented `temporal worker deployment` commands. Version B is
 * an incompatible change (drill-b.ts: a new first step, no patched()). What each run did is its
 * result: the steps it ran, each tagged with the build ID of the worker that ran it.
 */
jest.setTimeout(900_000);
const run = promisify(execFile);

const temporal = new PrivateTemporal('versioning-drill', 7311);
const DEPLOYMENT = 'drill';
const taskQueue = uniqueTaskQueue('versioning-drill');
const ON_A = ['reserve@A', 'confirm@A'];
const ON_B = ['check@B', 'reserve@B', 'confirm@B'];
/** New runs per ramp step: enough that 10% and 50% are told apart from noise (binomial: 10% of 200 is 20 ± 4). */
const RAMP_STARTS = 200;

let client: Client;
let clientConnection: Connection;
let profileEnv: Record<string, string>;
const stops: (() => Promise<void>)[] = [];

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };

/** A worker process's worth: the project's worker as a version of the drill's deployment. */
async function startVersion(buildId: string, workflowBundle: WorkflowBundleOption, deployment = DEPLOYMENT, queue = taskQueue): Promise<void> {
  const config = loadConfig({ NODE_ENV: 'test', ...profileEnv, TEMPORAL_TASK_QUEUE: queue, WORKER_DEPLOYMENT_NAME: deployment, WORKER_BUILD_ID: buildId, LOG_FORMAT: 'json' });
  installTestRuntime();
  const connection = await NativeConnection.connect(config.temporal.connection);
  const worker = await createWorker({ config, connection, workflowBundle, activities: { step: async (name: string) => `${name}@${buildId}` }, shutdownGraceTime: '1 second' });
  const running = worker.run();
  stops.push(async () => {
    worker.shutdown();
    await running;
    await connection.close();
  });
}

async function drillBundle(file: string): Promise<WorkflowBundleOption> {
  return { code: (await bundleWorkflowCode({ workflowsPath: require.resolve(`./versioning/${file}`), logger: quietLogger })).code };
}

/** The operator's commands (README, "Running in production"), against the drill's server. */
async function deployment(command: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(TEMPORAL_BIN, ['worker', 'deployment', command, '--address', temporal.address, ...args]);
  return stdout;
}

/** A version can be made current or ramping once its workers poll: retried until they do. */
async function route(command: 'set-current-version' | 'set-ramping-version', deploymentName: string, buildId: string, ...args: string[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await deployment(command, '--deployment-name', deploymentName, '--build-id', buildId, '--yes', ...args);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

function start(wait: boolean, queue = taskQueue) {
  return client.workflow.start('drillSaga', { taskQueue: queue, workflowId: `drill-${randomUUID()}`, args: [{ wait }] });
}

async function results(count: number): Promise<string[][]> {
  const out: string[][] = [];
  for (let i = 0; i < count; i += 20) {
    const batch = await Promise.all(Array.from({ length: Math.min(20, count - i) }, () => start(false)));
    out.push(...(await Promise.all(batch.map((h) => h.result() as Promise<string[]>))));
  }
  return out;
}

/** Routing changes reach the task queue asynchronously: start runs until one lands where expected. */
async function routedTo(expected: string[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await (await start(false)).result()).join() !== expected.join()) {
    if (Date.now() > deadline) throw new Error(`new runs do not reach ${expected.join(',')}`);
  }
}

/** Waits until a waiting run has done its first steps (it is in flight between steps). */
async function betweenSteps(id: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const history = await client.workflow.getHandle(id).fetchHistory();
    if ((history.events ?? []).some((e) => e.activityTaskCompletedEventAttributes)) return;
    if (Date.now() > deadline) throw new Error(`${id} never finished its first step`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function versionOf(id: string): Promise<{ behavior?: string; buildId?: string }> {
  const info = (await client.workflow.getHandle(id).describe()).raw.workflowExecutionInfo?.versioningInfo;
  return { behavior: String(info?.behavior ?? ''), buildId: info?.deploymentVersion?.buildId ?? undefined };
}

beforeAll(async () => {
  await temporal.start();
  const dir = mkdtempSync(join(tmpdir(), 'versioning-drill-'));
  const profile = join(dir, 'temporal.toml');
  writeFileSync(profile, `[profile.drill]\naddress = "${temporal.address}"\nnamespace = "default"\n`);
  profileEnv = { TEMPORAL_CONFIG_FILE: profile, TEMPORAL_PROFILE: 'drill' };
  clientConnection = await Connection.connect({ address: temporal.address });
  client = new Client({ connection: clientConnection });
});

afterAll(async () => {
  for (const stop of stops.reverse()) await stop().catch(noop);
  await clientConnection?.close();
  await temporal.destroy();
});

it('pinned runs finish on their version, new runs follow current and ramping, rollback sends them back', async () => {
  // Version A current, with sagas in flight between their steps.
  await startVersion('A', await drillBundle('drill-a'));
  await route('set-current-version', DEPLOYMENT, 'A');
  await routedTo(ON_A);
  const inFlightOnA = await Promise.all(Array.from({ length: 5 }, () => start(true)));
  await Promise.all(inFlightOnA.map((h) => betweenSteps(h.workflowId)));

  // Version B deployed beside it, ramped to 10%, then 50%, of new runs.
  await startVersion('B', await drillBundle('drill-b'));
  const shareOnB = async (percentage: number) => {
    await route('set-ramping-version', DEPLOYMENT, 'B', '--percentage', String(percentage));
    // Let the ramp reach the task queue before counting (routedTo cannot tell a share).
    await new Promise((r) => setTimeout(r, 3000));
    const ran = await results(RAMP_STARTS);
    // Every run ran whole on one version: A's code on A's worker, or B's on B's.
    for (const steps of ran) expect([ON_A.join(), ON_B.join()]).toContain(steps.join());
    return ran.filter((steps) => steps.join() === ON_B.join()).length / RAMP_STARTS;
  };
  // Bounds that tell 10% from none and from 50%, with room for the spread seen on the dev server
  // (7% and 18.5% of 200 runs in two runs of the same code).
  const at10 = await shareOnB(10);
  expect(at10).toBeGreaterThanOrEqual(0.03);
  expect(at10).toBeLessThanOrEqual(0.22);
  const at50 = await shareOnB(50);
  console.log(`versioning drill: ${RAMP_STARTS} new runs each, on B at a 10% ramp ${at10 * 100}%, at a 50% ramp ${at50 * 100}%`);
  expect(at50).toBeGreaterThanOrEqual(0.38);
  expect(at50).toBeLessThanOrEqual(0.62);

  // B current (100%): new runs on B; A's pinned runs, told to go on, finish on A with A's code.
  await route('set-current-version', DEPLOYMENT, 'B');
  await routedTo(ON_B);
  expect(new Set((await results(20)).map((s) => s.join()))).toEqual(new Set([ON_B.join()]));
  for (const h of inFlightOnA) expect(await versionOf(h.workflowId)).toEqual({ behavior: '1', buildId: 'A' });
  // The operator's count of what is still pinned to A (README, step 6), from visibility.
  const pinnedToA = `TemporalWorkerDeploymentVersion = '${DEPLOYMENT}:A' AND ExecutionStatus = 'Running'`;
  const deadline = Date.now() + 30_000;
  while ((await client.workflow.count(pinnedToA)).count !== inFlightOnA.length) {
    if (Date.now() > deadline) throw new Error(`visibility never counted ${inFlightOnA.length} runs on A`);
    await new Promise((r) => setTimeout(r, 500));
  }
  await Promise.all(inFlightOnA.map((h) => h.signal(proceed)));
  for (const h of inFlightOnA) expect(await h.result()).toEqual(ON_A);
  const described = JSON.parse(await deployment('describe-version', '--deployment-name', DEPLOYMENT, '--build-id', 'A', '-o', 'json'));
  // What the operator watches before scaling A down: draining while pinned runs may remain, then drained.
  expect(described.drainageInfo.drainageStatus).toMatch(/^drain(ing|ed)$/);

  // Rollback: A current again. New runs on A; B's pinned runs in flight finish on B.
  const inFlightOnB = await Promise.all(Array.from({ length: 3 }, () => start(true)));
  await Promise.all(inFlightOnB.map((h) => betweenSteps(h.workflowId)));
  await route('set-current-version', DEPLOYMENT, 'A');
  await routedTo(ON_A);
  expect(new Set((await results(20)).map((s) => s.join()))).toEqual(new Set([ON_A.join()]));
  await Promise.all(inFlightOnB.map((h) => h.signal(proceed)));
  for (const h of inFlightOnB) expect(await h.result()).toEqual(ON_B);
});

it("the project's sagas run pinned and the entity lock auto-upgrades", async () => {
  const codePath = process.env.TEST_WORKFLOW_BUNDLE;
  if (!codePath) throw new Error('TEST_WORKFLOW_BUNDLE is not set: run through jest (global setup bundles the workflows)');
  const queue = uniqueTaskQueue('versioning-sagas');
  await startVersion('sagas-1', { codePath }, 'webhook-sagas', queue);
  await route('set-current-version', 'webhook-sagas', 'sagas-1');
  // A Turvo status saga asks its shipment's lock for a turn (an activity that signal-with-starts it).
  const input = sagaInput(turvoStatusEvent({ code: { key: '2101', value: 'In transit' } }), { source: 'turvo', eventType: 'SHIPMENT_STATUS_UPDATE' });
  const saga = await client.workflow.start('turvoShipmentStatusSaga', { taskQueue: queue, workflowId: `drill-saga-${randomUUID()}`, args: [input] });
  const deadline = Date.now() + 60_000;
  let lock: { behavior?: string; buildId?: string } | undefined;
  // Until the lock's first workflow task completed on the version (behaviour 0: not yet set).
  while (!lock || lock.behavior === '0') {
    if (Date.now() > deadline) throw new Error('the entity lock never ran');
    for await (const w of client.workflow.list({ query: `WorkflowType = 'entityLockWorkflow' AND TaskQueue = '${queue}'` })) lock = await versionOf(w.workflowId);
    await new Promise((r) => setTimeout(r, 500));
  }
  // temporal.api.enums.v1.VersioningBehavior: 1 PINNED, 2 AUTO_UPGRADE.
  expect(await versionOf(saga.workflowId)).toEqual({ behavior: '1', buildId: 'sagas-1' });
  expect(lock).toEqual({ behavior: '2', buildId: 'sagas-1' });
  // Its downstream activities are not registered here: stop its retries.
  await saga.terminate('versioning drill done');
});
