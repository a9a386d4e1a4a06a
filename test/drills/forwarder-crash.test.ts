import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { ROOT } from '../../scripts/lib/stack';
import { FORWARDER_GROUP, type QueuedStart } from '../../src/intake/outbox';
import { startSaga } from '../../src/temporal/start-saga';
import { uniqueTaskQueue } from '../support/temporal';
import { deletePrefix, postRaw, startIntakeReceiver, uniquePrefix, type IntakeReceiver } from '../intake/support/receiver';
import { headersFor, oneReceiverDrivers, pathFor } from '../../sources/sender/drivers';
import { executionsBy } from '../intake/support/temporal-truth';

/**
 * A forwarder process is SIGKILLed while it holds outbox entries it read but never acknowledged;
 * another forwarder claims them and finishes. Some of them the dead one had already started on
 * Temporal (it died between the start and the acknowledgement): those must not run twice.
 */
const EVENTS = 60;
const ALREADY_STARTED = 10;
const prefix = uniquePrefix('crash');
const taskQueue = uniqueTaskQueue('forwarder-crash');
const { env: sourcesEnv, drivers } = oneReceiverDrivers();
const env = { ...sourcesEnv, REDIS_KEY_PREFIX: prefix, TEMPORAL_TASK_QUEUE: taskQueue };

let queueing: IntakeReceiver; // Temporal unreachable: everything it accepts goes to the outbox
let live: IntakeReceiver;
let child: ChildProcess | undefined;

beforeAll(async () => {
  queueing = await startIntakeReceiver({ env: { ...env, TEMPORAL_ADDRESS: '127.0.0.1:1' } });
  live = await startIntakeReceiver({ env });
});

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await deletePrefix(live.redis, prefix);
  await queueing?.close();
  await live?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pendingOf(consumer: string): Promise<number> {
  const consumers = (await live.redis.xinfo('CONSUMERS', `${prefix}outbox`, FORWARDER_GROUP)) as unknown[][];
  for (const fields of consumers) {
    const info = Object.fromEntries(Array.from({ length: fields.length / 2 }, (_, i) => [fields[2 * i], fields[2 * i + 1]]));
    if (info.name === consumer) return Number(info.pending);
  }
  return 0;
}

it('a killed forwarder leaves its entries pending; another claims them: nothing lost, nothing doubled', async () => {
  const expected = new Set<string>();
  for (let i = 0; i < EVENTS; i++) {
    const driver = drivers[i % drivers.length]!;
    const { message, workflowId } = driver.newEvent(randomUUID(), i);
    expected.add(workflowId);
    const res = await postRaw(`${queueing.url}${pathFor(driver.name, message)}`, message.body, headersFor(message));
    expect(res.json).toMatchObject({ queued: true, workflowId });
  }

  // The dead forwarder got this far with some: started on Temporal, never acknowledged.
  const entries = await live.redis.xrange(`${prefix}outbox`, '-', '+');
  expect(entries).toHaveLength(EVENTS);
  for (const [, fields] of entries.slice(0, ALREADY_STARTED)) {
    const start = JSON.parse(fields[1]!) as QueuedStart;
    await startSaga(live.client, { ...start, taskQueue }, 5000);
  }

  // A real forwarder process that cannot reach Temporal: it reads every entry and holds them pending.
  const consumer = `doomed-${randomUUID().slice(0, 6)}`;
  child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'forwarder.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...env,
      NODE_ENV: 'test',
      TEMPORAL_ADDRESS: '127.0.0.1:1',
      FORWARDER_CONSUMER: consumer,
      FORWARDER_BATCH_SIZE: '100',
      LOG_LEVEL: 'error',
    },
    stdio: 'ignore',
  });
  const holdDeadline = Date.now() + 30_000;
  while ((await pendingOf(consumer).catch(() => 0)) < EVENTS && Date.now() < holdDeadline) await sleep(200);
  expect(await pendingOf(consumer)).toBe(EVENTS);
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child!.once('exit', (_code, signal) => resolve(signal)));
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');

  // Another forwarder, with Temporal, claims what the dead one held once it has been idle long enough.
  const survivor = await startIntakeReceiver({ env, forwarder: { claimIdleMs: 1000 } });
  try {
    const deadline = Date.now() + 45_000;
    let stats = await survivor.parts.outbox.stats();
    while ((stats.backlog > 0 || stats.pending > 0) && Date.now() < deadline) {
      await sleep(250);
      stats = await survivor.parts.outbox.stats();
    }
    expect(stats).toMatchObject({ backlog: 0, pending: 0, deadLetters: 0 });
    expect(await pendingOf(consumer)).toBe(0);
  } finally {
    await survivor.close();
  }

  // Temporal's own account: every event exactly once.
  let executions = await executionsBy(live.client, `TaskQueue = '${taskQueue}'`);
  const visibilityDeadline = Date.now() + 20_000;
  while (executions.size < EVENTS && Date.now() < visibilityDeadline) {
    await sleep(500);
    executions = await executionsBy(live.client, `TaskQueue = '${taskQueue}'`);
  }
  expect(new Set(executions.keys())).toEqual(expected);
  expect([...executions.values()].every((runs) => runs === 1)).toBe(true);
}, 120_000);
