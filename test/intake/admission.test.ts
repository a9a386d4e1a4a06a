import { randomUUID } from 'node:crypto';
import { signSamsara } from '../../sources/samsara/verify';
import { workflowIdFor } from '../../core/workflow-id';
import { fixtureWith } from '../support/fixtures';
import { uniqueTaskQueue } from '../support/temporal';
import { capturingLogger } from './support/logs';
import { deletePrefix, postRaw, startIntakeReceiver, uniquePrefix, type IntakeReceiver, type Reply } from './support/receiver';
import { eventually } from '../support/eventually';
import { executionsBy } from './support/temporal-truth';

/**
 * The admission (src/intake/admission.ts) on the real servers: deliveries past the bound on direct
 * starts, or arriving while recent starts were slower than the budget, go straight to the outbox;
 * the forwarder starts each exactly once (counted by Temporal); each change of state is logged once.
 */
const SECRET = Buffer.from('admission-secret').toString('base64');
let receiver: IntakeReceiver | undefined;
/** Each test its own outbox: a queued start carries no task queue, the forwarder's is used. */
let prefix: string;

beforeEach(() => {
  prefix = uniquePrefix('admission');
});

afterEach(async () => {
  if (receiver) await deletePrefix(receiver.redis, prefix);
  await receiver?.close();
  receiver = undefined;
});

function deliver(body: Buffer): Promise<Reply> {
  return postRaw(`${receiver!.url}/webhooks/samsara`, body, signSamsara(body, SECRET, Math.floor(Date.now() / 1000)));
}

function arrival(): { body: Buffer; workflowId: string } {
  const eventId = randomUUID();
  return { body: fixtureWith('samsara', 'route-stop-arrival', { eventId }), workflowId: workflowIdFor('samsara', eventId) };
}

async function drained(r: IntakeReceiver): Promise<void> {
  const stats = await eventually(() => r.parts.outbox.stats(), (s) => s.backlog === 0 && s.pending === 0, { timeoutMs: 60_000 });
  expect(stats).toMatchObject({ backlog: 0, pending: 0, deadLetters: 0 });
}

/** Every workflow ID exactly once on the task queue, by Temporal's visibility (eventually consistent). */
async function expectOneRunEach(r: IntakeReceiver, taskQueue: string, workflowIds: string[]): Promise<void> {
  const runs = await eventually(
    () => executionsBy(r.client, `TaskQueue = '${taskQueue}'`),
    (found) => found.size >= workflowIds.length,
    { timeoutMs: 30_000, everyMs: 500 },
  );
  expect(new Set(runs.keys())).toEqual(new Set(workflowIds));
  expect([...runs.values()].every((n) => n === 1)).toBe(true);
}

/** A receiver with its forwarder on a task queue of its own, the admission set by `admission`. */
async function start(admission: NodeJS.ProcessEnv): Promise<{ taskQueue: string; log: ReturnType<typeof capturingLogger> }> {
  const taskQueue = uniqueTaskQueue('admission');
  const log = capturingLogger('info');
  const env = { SAMSARA_WEBHOOK_SECRETS: SECRET, REDIS_KEY_PREFIX: prefix, TEMPORAL_TASK_QUEUE: taskQueue, TEMPORAL_START_TIMEOUT_MS: '15000', ...admission };
  receiver = await startIntakeReceiver({ env, logger: log.logger, forwarder: true });
  return { taskQueue, log };
}

const messages = (log: ReturnType<typeof capturingLogger>, message: string) => log.entries().filter((e) => e.message === message);

it('queues a burst past the bound on direct starts at once, starts each event once, and goes back to direct starts', async () => {
  const { taskQueue, log } = await start({
    ADMISSION_LATENCY_BUDGET_MS: '15000', // only the bound sends deliveries to the outbox here
    ADMISSION_MAX_IN_FLIGHT: '2',
    TEMPORAL_COOLDOWN_MS: '3000', // longer than the burst takes to answer
  });
  const burst = Array.from({ length: 40 }, arrival);
  const replies = await Promise.all(burst.map((e) => deliver(e.body)));
  expect(replies.map((r) => r.status)).toEqual(burst.map(() => 202));
  const queued = replies.filter((r) => r.json.queued === true);
  expect(replies.filter((r) => typeof r.json.runId === 'string').length).toBeGreaterThanOrEqual(1);
  expect(queued.length).toBeGreaterThanOrEqual(30);
  expect(messages(log, 'temporal behind: deliveries go straight to the outbox')).toEqual([
    expect.objectContaining({ why: 'direct starts in flight reached the bound', inFlight: 2 }),
  ]);
  await drained(receiver!);

  // The engine kept up: once the hold is over, starts are direct again, and that is logged once, with the count.
  const later: { body: Buffer; workflowId: string }[] = [];
  const direct = await eventually(
    async () => {
      const e = arrival();
      later.push(e);
      return deliver(e.body);
    },
    (r) => typeof r.json.runId === 'string',
    { timeoutMs: 15_000, everyMs: 200 },
  );
  expect(direct.json.runId).toEqual(expect.any(String));
  expect(messages(log, 'temporal behind: deliveries go straight to the outbox')).toHaveLength(1);
  expect(messages(log, 'temporal caught up: sagas start directly again')).toEqual([expect.objectContaining({ queued: expect.any(Number) })]);
  expect(messages(log, 'temporal caught up: sagas start directly again')[0]!.queued).toBeGreaterThanOrEqual(queued.length);
  await drained(receiver!);
  await expectOneRunEach(receiver!, taskQueue, [...burst, ...later].map((e) => e.workflowId));
}, 120_000);

it('queues deliveries while recent starts are slower than the budget, answered without waiting on Temporal', async () => {
  const { taskQueue, log } = await start({
    ADMISSION_LATENCY_BUDGET_MS: '1', // every real start is slower
    TEMPORAL_COOLDOWN_MS: '600000', // and no probe comes back within the test
  });
  const events = Array.from({ length: 12 }, arrival);
  const replies: Reply[] = [];
  for (const e of events) replies.push(await deliver(e.body));
  expect(replies.map((r) => r.status)).toEqual(events.map(() => 202));
  // The first start measured the engine; every later one was queued.
  expect(replies[0]!.json.runId).toEqual(expect.any(String));
  expect(replies.slice(1).map((r) => r.json.queued)).toEqual(events.slice(1).map(() => true));
  await drained(receiver!);
  await expectOneRunEach(receiver!, taskQueue, events.map((e) => e.workflowId));
  // The forwarder's starts are over the budget too: still one log line, not one per start.
  expect(messages(log, 'temporal behind: deliveries go straight to the outbox')).toEqual([expect.objectContaining({ why: 'recent start latency over the budget' })]);
  expect(messages(log, 'temporal caught up: sagas start directly again')).toEqual([]);
}, 120_000);
