import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { createActivities, createClients } from '../../sagas/activities';
import { defaultSeed, type Seed } from '../../sandbox/seed';
import { post, startReceiver, type TestReceiver } from '../support/receiver';
import { startTestWorker, testConfig, uniqueTaskQueue, type TestWorker } from '../support/temporal';
import { startSandbox, type RunningSandbox } from '../support/sandbox';
import { bearerEndpoint } from '../support/fixtures';

/**
 * Entity order (README, "Sagas"): Turvo status updates for one shipment, delivered through the real
 * receiver onto real Temporal and the downstream sandbox, run one at a time in Turvo's order; an
 * update older than one already applied ends `superseded`; other shipments do not wait; a killed
 * worker and a holder terminated mid-turn do not stop the rest. Asserted through the sandbox's
 * request log and Temporal's own visibility, never through the lock's bookkeeping.
 */
const ROOT = join(__dirname, '..', '..');
const TOKEN = 'entity-order-token';
// Event keys (so workflow IDs) derive from the shipment id: new ids per run keep runs apart.
const RUN = randomUUID().slice(0, 8);
const SHIPMENTS = [1, 2, 3, 4, 5, 6, 7, 8].map((i) => `EO${i}-${RUN}`);
const [PAIR_A, PAIR_B, CRASH, HELD, UNDONE, RESET, FAN_OUT] = SHIPMENTS.slice(1);
const BASE = Date.parse('2026-11-24T08:00:00.000Z');

function seed(): Seed {
  const s = defaultSeed();
  for (const id of SHIPMENTS) s.links.push({ shipmentId: id, frontConversationId: `cnv_${id}` });
  // The fan-out's document saga attaches to the shipment in Turvo and marks it delivered.
  s.shipments.push({ id: FAN_OUT!, customId: FAN_OUT!, status: { code: { key: '2101', value: 'En route' } }, stops: [] });
  return s;
}

let sandbox: RunningSandbox;
const receivers: TestReceiver[] = [];
const workers: TestWorker[] = [];
let child: ChildProcess | undefined;

beforeAll(async () => {
  sandbox = await startSandbox(seed());
});

afterAll(async () => {
  child?.kill('SIGKILL');
  for (const w of workers) await w.stop();
  for (const r of receivers) await r.close();
  await sandbox?.close();
});

afterEach(async () => {
  await fetch(`${sandbox.url}/_sandbox/faults`, { method: 'DELETE' });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The sandbox's own records are read in memory: polled often, so the next step comes while the watched saga still holds its turn. */
const LOCAL_POLL_MS = 50;

// Generous: on a loaded machine a workflow task can time out (10 s) and be retried.
async function until<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 90_000, everyMs = 1000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    // Not faster for Temporal's visibility: its queries load the server the sagas run on.
    await sleep(everyMs);
  }
}

/** A receiver for Turvo whose sagas go to `taskQueue`, and (unless told not to) an in-process worker. */
async function stack(taskQueue: string, { worker = true } = {}): Promise<TestReceiver> {
  const env = { ...sandbox.env, TURVO_AUTH_MODE: 'bearer', TURVO_WEBHOOK_SECRETS: TOKEN, TEMPORAL_TASK_QUEUE: taskQueue };
  const receiver = await startReceiver(env);
  receivers.push(receiver);
  if (worker) await startWorker(taskQueue);
  return receiver;
}

async function startWorker(taskQueue: string): Promise<TestWorker> {
  const config = testConfig(sandbox.env);
  const w = await startTestWorker({ taskQueue, activities: createActivities(createClients(config.downstream)), config, shutdownGraceTime: '1 second' });
  workers.push(w);
  return w;
}

interface Sent {
  n: number;
  shipmentId: string;
  at: string;
  workflowId: string;
}

/** Turvo's status update number `n` for a shipment: its lastUpdatedOn grows with `n`. */
async function deliver(receiver: TestReceiver, shipmentId: string, n: number): Promise<Sent> {
  const at = new Date(BASE + n * 60_000).toISOString();
  const body = JSON.stringify({
    eventName: 'SHIPMENT_STATUS_UPDATE',
    tenantId: 40123,
    eventPayload: { id: shipmentId, customId: shipmentId, lastUpdatedOn: at, status: { code: { key: String(3000 + n), value: `Status ${n}` } } },
  });
  const res = await post(`${receiver.url}/webhooks/turvo`, body, { authorization: `Bearer ${TOKEN}` });
  expect(res.status).toBe(202);
  return { n, shipmentId, at, workflowId: res.json.workflowId as string };
}

/** Every run of these workflow IDs, once all are closed and visible (visibility lags a little). */
async function closedRuns(client: Client, sent: Sent[], timeoutMs = 90_000): Promise<Map<string, WorkflowExecutionInfo[]>> {
  const query = `WorkflowId IN (${sent.map((s) => `'${s.workflowId}'`).join(', ')})`;
  return until(
    'every saga to close',
    async () => {
      const runs = new Map<string, WorkflowExecutionInfo[]>();
      for await (const info of client.workflow.list({ query })) runs.set(info.workflowId, [...(runs.get(info.workflowId) ?? []), info]);
      const all = [...runs.values()].flat();
      return runs.size === sent.length && all.every((i) => i.status.name !== 'RUNNING') ? runs : undefined;
    },
    timeoutMs,
  );
}

async function outcomeCount(client: Client, sent: Sent[], outcome: string): Promise<number> {
  return (await client.workflow.count(`WorkflowId IN (${sent.map((s) => `'${s.workflowId}'`).join(', ')}) AND SagaOutcome = '${outcome}'`)).count;
}

/**
 * Each saga's writes as a span of the sandbox's request sequence, in the order they happened. The
 * spans must not interleave: one saga's writes all come before the next one's.
 */
function writeSpans(sent: Sent[], keyPrefix = (s: Sent) => `${s.workflowId}/`): { n: number; first: number; last: number }[] {
  const spans = sent
    .map((s) => {
      const seqs = sandbox
        .requests()
        .filter((r) => r.method !== 'GET' && r.idempotencyKey?.startsWith(keyPrefix(s)))
        .map((r) => r.seq);
      return seqs.length ? { n: s.n, first: Math.min(...seqs), last: Math.max(...seqs) } : undefined;
    })
    .filter((s) => s !== undefined);
  return spans.sort((a, b) => a.first - b.first);
}

function expectOrderedWrites(sent: Sent[], applied: Sent[]): void {
  const spans = writeSpans(sent);
  for (let i = 1; i < spans.length; i++) expect(spans[i]!.first).toBeGreaterThan(spans[i - 1]!.last);
  // Applied in the vendor's order, and only the applied ones wrote.
  expect(spans.map((s) => s.n)).toEqual(applied.map((s) => s.n).sort((a, b) => a - b));
}

function statusHistory(shipmentId: string) {
  return [...sandbox.data().statusHistory.values()].filter((e) => e.shipmentId === shipmentId);
}

function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

it('20 updates of one shipment, shuffled and concurrent: one at a time in Turvo order, the late older ones superseded, each once', async () => {
  const taskQueue = uniqueTaskQueue('entity-order');
  const receiver = await stack(taskQueue);
  const shipmentId = SHIPMENTS[0]!;
  // The first saga to get its turn holds it a while, so every other delivery queues behind it.
  await fetch(`${sandbox.url}/_sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ service: 'records', method: 'POST', path: `/shipments/${shipmentId}/status-history$`, delayMs: 1500, times: 1 }),
  });
  // Update 12 comes first and takes its turn; the other 19 follow shuffled, all in flight together:
  // the 11 older ones come late.
  const first = await deliver(receiver, shipmentId, 12);
  await until('update 12 to hold its turn', () => statusHistory(shipmentId).length === 1, 90_000, LOCAL_POLL_MS);
  const rest = shuffled([...Array(20).keys()].map((i) => i + 1).filter((n) => n !== 12));
  const sent = [first, ...(await Promise.all(rest.map((n) => deliver(receiver, shipmentId, n))))];

  const runs = await closedRuns(receiver.client, sent);
  // Exactly once each: one run per event, all closed by the saga itself (completed or superseded).
  expect([...runs.values()].map((r) => r.length)).toEqual(sent.map(() => 1));
  const outcomeOf = (s: Sent) => runs.get(s.workflowId)![0]!.searchAttributes.SagaOutcome?.[0];
  const applied = sent.filter((s) => outcomeOf(s) === 'completed');
  const superseded = sent.filter((s) => outcomeOf(s) === 'superseded');
  expect(applied.length + superseded.length).toBe(20);
  expect(await until('visibility to count the outcomes', async () => (await outcomeCount(receiver.client, sent, 'superseded')) === superseded.length)).toBe(true);
  for (const s of sent) expect(runs.get(s.workflowId)![0]!.status.name).toBe('COMPLETED');

  // Writes never overlap, and happen in Turvo's order; the final status is the newest.
  expectOrderedWrites(sent, applied);
  const history = statusHistory(shipmentId);
  expect(history.map((e) => e.at)).toEqual(applied.map((s) => s.at).sort());
  expect(history.at(-1)).toMatchObject({ at: new Date(BASE + 20 * 60_000).toISOString(), status: { code: { key: '3020' } } });

  // The ones that came late were older than an update already applied before they ended.
  expect(superseded.map((s) => s.n).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  for (const s of superseded) {
    const result = await receiver.client.workflow.getHandle(s.workflowId).result();
    expect(result.superseded).toMatchObject({ entity: `turvo-shipment:${shipmentId}`, at: s.at });
    const by = applied.find((a) => a.workflowId === result.superseded.by)!;
    expect(by).toBeDefined();
    expect(by.at).toBe(result.superseded.newestAt);
    expect(by.n).toBeGreaterThan(s.n);
    expect(runs.get(by.workflowId)![0]!.closeTime!.getTime()).toBeLessThanOrEqual(runs.get(s.workflowId)![0]!.closeTime!.getTime());
  }
}, 150_000);

it('two shipments interleaved finish in about the time of one', async () => {
  const taskQueue = uniqueTaskQueue('entity-order-pair');
  const receiver = await stack(taskQueue);
  // Every status write takes 400 ms, so each saga holds its turn a while.
  await fetch(`${sandbox.url}/_sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ service: 'records', method: 'POST', path: '/status-history$', delayMs: 400 }),
  });
  const EVENTS = 6;
  const sent: Sent[] = [];
  for (let n = 1; n <= EVENTS; n++) for (const id of [PAIR_A!, PAIR_B!]) sent.push(await deliver(receiver, id, n));
  const runs = await closedRuns(receiver.client, sent);
  const run = (s: Sent) => runs.get(s.workflowId)![0]!;

  // Sent in order, but turns go by arrival at the lock, and a worker may run a newer saga's first
  // task before an older one's: that older one is then superseded, never applied after it. Every
  // saga completed or was superseded, the newest was applied, and the applied ones wrote one at a
  // time in the vendor's order.
  for (const id of [PAIR_A!, PAIR_B!]) {
    const mine = sent.filter((s) => s.shipmentId === id);
    const outcome = (s: Sent) => run(s).searchAttributes.SagaOutcome?.[0];
    expect(mine.filter((s) => outcome(s) !== 'completed' && outcome(s) !== 'superseded')).toEqual([]);
    expect(outcome(mine[mine.length - 1]!)).toBe('completed');
    expectOrderedWrites(mine, mine.filter((s) => outcome(s) === 'completed'));
  }

  // How long each saga held its turn: from the lock's grant (a signal in its history) to its close.
  // Measured in the same run as the total, so the machine's load weighs on both alike.
  const held = await Promise.all(
    sent.map(async (s) => {
      const history = await receiver.client.workflow.getHandle(s.workflowId).fetchHistory();
      const grant = history.events!.find((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'turn')!;
      const grantedAt = Number(grant.eventTime!.seconds) * 1000 + Math.floor((grant.eventTime!.nanos ?? 0) / 1e6);
      return { shipmentId: s.shipmentId, grantedAt, closedAt: run(s).closeTime!.getTime() };
    }),
  );
  const busy = (id: string) => held.filter((h) => h.shipmentId === id).reduce((sum, h) => sum + h.closedAt - h.grantedAt, 0);
  const wall = Math.max(...held.map((h) => h.closedAt)) - Math.min(...held.map((h) => h.grantedAt));
  // One shipment after the other would take the sum of both; side by side, about the busier one's time.
  expect(wall).toBeLessThan(0.8 * (busy(PAIR_A!) + busy(PAIR_B!)));
  expect(wall).toBeLessThan(1.5 * Math.max(busy(PAIR_A!), busy(PAIR_B!)));
}, 150_000);

it('a worker killed in the middle of the sequence, and a saga terminated holding its turn, do not stop the rest', async () => {
  const taskQueue = uniqueTaskQueue('entity-order-crash');
  const receiver = await stack(taskQueue, { worker: false });

  // The only worker at first is a real process, killed with SIGKILL mid-sequence.
  child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'worker.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...sandbox.env,
      NODE_ENV: 'test',
      TEMPORAL_TASK_QUEUE: taskQueue,
      WORKFLOW_BUNDLE_PATH: process.env.TEST_WORKFLOW_BUNDLE,
      WORKER_METRICS_PORT: '0',
      LOG_LEVEL: 'error',
    },
    stdio: 'ignore',
  });
  const shipmentId = CRASH!;
  const sent: Sent[] = [];
  for (let n = 1; n <= 8; n++) sent.push(await deliver(receiver, shipmentId, n));
  await until('three updates applied by the first worker', () => statusHistory(shipmentId).length >= 3, 90_000, LOCAL_POLL_MS);
  const exited = new Promise((resolve) => child!.once('exit', (_code, signal) => resolve(signal)));
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  child = undefined;
  await startWorker(taskQueue);

  // Meanwhile, another shipment's saga takes its turn and hangs in its first write; it is terminated there.
  const held = HELD!;
  await fetch(`${sandbox.url}/_sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ service: 'records', method: 'POST', path: `/shipments/${held}/status-history$`, delayMs: 25_000, times: 1 }),
  });
  const holder = await deliver(receiver, held, 1);
  await until('the holder to be in its first write', () => statusHistory(held).length === 1, 90_000, LOCAL_POLL_MS);
  const after = [await deliver(receiver, held, 2), await deliver(receiver, held, 3)];
  await receiver.client.workflow.getHandle(holder.workflowId).terminate('stuck holding its turn');

  const heldRuns = await closedRuns(receiver.client, [holder, ...after]);
  expect(heldRuns.get(holder.workflowId)![0]!.status.name).toBe('TERMINATED');
  for (const s of after) expect(heldRuns.get(s.workflowId)![0]!.searchAttributes.SagaOutcome).toEqual(['completed']);
  expect(statusHistory(held).map((e) => e.at)).toEqual([holder, ...after].map((s) => s.at));

  // The killed worker's sequence finished on the new worker: each event once, in order, newest last.
  const runs = await closedRuns(receiver.client, sent);
  expect([...runs.values()].map((r) => r.length)).toEqual(sent.map(() => 1));
  const applied = sent.filter((s) => runs.get(s.workflowId)![0]!.searchAttributes.SagaOutcome?.[0] === 'completed');
  expect(sent.every((s) => ['completed', 'superseded'].includes(runs.get(s.workflowId)![0]!.searchAttributes.SagaOutcome?.[0] as string))).toBe(true);
  expectOrderedWrites(sent, applied);
  expect(statusHistory(shipmentId).at(-1)).toMatchObject({ at: sent.at(-1)!.at });
}, 150_000);

it('a saga that fails, and one cancelled while it holds its turn, give it back only after their undos', async () => {
  const taskQueue = uniqueTaskQueue('entity-order-undo');
  const receiver = await stack(taskQueue);
  const shipmentId = UNDONE!;
  const arm = (fault: object) =>
    fetch(`${sandbox.url}/_sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fault) });
  // Update 1 fails at its Front comment and compensates.
  await arm({ service: 'front', method: 'POST', path: `/conversations/cnv_${shipmentId}/comments$`, status: 422, times: 1 });
  const failed = await deliver(receiver, shipmentId, 1);
  await until('update 1 to fail', async () => (await closedRuns(receiver.client, [failed])).get(failed.workflowId)![0]!.status.name === 'FAILED');
  // Update 2 hangs in its first write and is cancelled there: it undoes that write, then ends.
  await arm({ service: 'records', method: 'POST', path: `/shipments/${shipmentId}/status-history$`, delayMs: 20_000, times: 1 });
  const cancelled = await deliver(receiver, shipmentId, 2);
  await until('update 2 to be in its first write', () => statusHistory(shipmentId).length === 1, 90_000, LOCAL_POLL_MS);
  const last = await deliver(receiver, shipmentId, 3);
  await receiver.client.workflow.getHandle(cancelled.workflowId).cancel();

  const runs = await closedRuns(receiver.client, [failed, cancelled, last]);
  expect([failed, cancelled, last].map((s) => runs.get(s.workflowId)![0]!.status.name)).toEqual(['FAILED', 'CANCELLED', 'COMPLETED']);
  expect(runs.get(failed.workflowId)![0]!.searchAttributes.SagaOutcome).toEqual(['compensated']);
  // Each one's writes and undos before the next one's: the turn came back after compensation.
  const spans = writeSpans([failed, cancelled, last]);
  expect(spans.map((x) => x.n)).toEqual([1, 2, 3]);
  for (let i = 1; i < spans.length; i++) expect(spans[i]!.first).toBeGreaterThan(spans[i - 1]!.last);
  // Neither applied anything that stayed, so the last is the only status left.
  expect(statusHistory(shipmentId).map((e) => e.at)).toEqual([last.at]);
}, 150_000);

it('a Temporal Reset to the first workflow task asks for a new turn: the old grant, re-applied, is not taken', async () => {
  const taskQueue = uniqueTaskQueue('entity-order-reset');
  const receiver = await stack(taskQueue);
  const shipmentId = RESET!;
  await fetch(`${sandbox.url}/_sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ service: 'front', method: 'POST', path: `/conversations/cnv_${shipmentId}/comments$`, status: 422, times: 1 }),
  });
  const sent = await deliver(receiver, shipmentId, 1);
  const handle = receiver.client.workflow.getHandle(sent.workflowId);
  await expect(handle.result()).rejects.toThrow();
  const first = await handle.describe();
  const events = (await handle.fetchHistory()).events ?? [];
  // As `temporal workflow reset --type FirstWorkflowTask` does, signals re-applied (the default).
  const { runId } = await receiver.client.workflowService.resetWorkflowExecution({
    namespace: 'default',
    workflowExecution: { workflowId: sent.workflowId, runId: first.runId },
    workflowTaskFinishEventId: events.find((e) => e.workflowTaskCompletedEventAttributes)!.eventId,
    reason: 'test: fault fixed',
    requestId: randomUUID(),
  });
  const reset = receiver.client.workflow.getHandle(sent.workflowId, runId!);
  await expect(reset.result()).resolves.toMatchObject({ shipmentId });

  // The reset run asked the lock again instead of riding on the first run's grant.
  const after = (await reset.fetchHistory()).events ?? [];
  const resetAt = after.findIndex((e) => e.workflowTaskFailedEventAttributes);
  const asked = after.slice(resetAt).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'requestEntityTurn');
  expect(asked).toHaveLength(1);
  expect(after.slice(resetAt).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'turn').length).toBeGreaterThanOrEqual(2);
  expect(statusHistory(shipmentId).map((e) => e.at)).toEqual([sent.at]);
}, 150_000);

it('two sagas of one event (a fan-out) changing the same shipment both run, one after the other', async () => {
  const taskQueue = uniqueTaskQueue('entity-order-fan-out');
  // A config-only endpoint whose one event is both a Turvo status update and a Samsara proof of
  // delivery for one shipment: both sagas take the shipment's turns.
  const SOURCES_CONFIG = JSON.stringify({ yard: bearerEndpoint(TOKEN, { 'shipment.delivered': ['turvoShipmentStatusSaga', 'samsaraDocumentSaga'] }) });
  const receiver = await startReceiver({ ...sandbox.env, SOURCES_CONFIG, TEMPORAL_TASK_QUEUE: taskQueue });
  receivers.push(receiver);
  await startWorker(taskQueue);
  // Whichever saga gets the first turn holds it a while: the other's writes would land inside it without turns.
  for (const path of [`/shipments/${FAN_OUT}/status-history$`, `/shipments/${FAN_OUT}/attachments`]) {
    await fetch(`${sandbox.url}/_sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ service: path.includes('status') ? 'records' : 'turvo', method: 'POST', path, delayMs: 1000, times: 1 }) });
  }
  const at = new Date(BASE).toISOString();
  const body = JSON.stringify({
    id: `fan-${FAN_OUT}`,
    type: 'shipment.delivered',
    eventName: 'SHIPMENT_STATUS_UPDATE',
    eventPayload: { id: FAN_OUT, customId: FAN_OUT, lastUpdatedOn: at, status: { code: { key: '2110', value: 'Delivered' } } },
    data: { document: { id: `doc-${FAN_OUT}`, name: 'POD', documentType: { name: 'Proof of Delivery' }, routeStop: { externalIds: { turvoShipmentId: FAN_OUT } } } },
  });
  const res = await post(`${receiver.url}/webhooks/yard`, body, { authorization: `Bearer ${TOKEN}` });
  expect(res.status).toBe(202);
  const sent: Sent[] = (res.json.sagas as { workflowId: string }[]).map((a, n) => ({ n, shipmentId: FAN_OUT!, at, workflowId: a.workflowId }));
  expect(sent).toHaveLength(2);

  const runs = await closedRuns(receiver.client, sent);
  // Both applied (neither superseded by the other: they read different vendors' clocks), once each.
  for (const s of sent) expect([runs.get(s.workflowId)!.length, runs.get(s.workflowId)![0]!.status.name, runs.get(s.workflowId)![0]!.searchAttributes.SagaOutcome?.[0]]).toEqual([1, 'COMPLETED', 'completed']);
  // Their writes never overlap: one saga's all come before the other's. Keys are `<workflowId>/<runId>/<step>`,
  // and the first saga's workflow ID begins the other's: told apart by the run.
  const spans = writeSpans(sent, (s) => `${s.workflowId}/${runs.get(s.workflowId)![0]!.runId}/`);
  expect(spans).toHaveLength(2);
  expect(spans[1]!.first).toBeGreaterThan(spans[0]!.last);
}, 120_000);
