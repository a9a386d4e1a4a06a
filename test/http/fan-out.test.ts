import { randomUUID } from 'node:crypto';
import { eventKeySearchValue } from '../../core/workflow-id';
import { OPS_ENV, call, token } from '../ops/support';
import { eventually } from '../support/eventually';
import { bearerEndpoint } from '../support/fixtures';
import { DIRECT_STARTS, post, startReceiver, type TestReceiver } from '../support/receiver';
import { uniqueTaskQueue } from '../support/temporal';

/**
 * A fan-out route (README, "Status codes"): a config-only endpoint routing one event type to two
 * sagas, through the real receiver onto the test Temporal server. Counted through Temporal's own
 * visibility and describe, never the receiver's bookkeeping. No worker runs: starting is what is
 * checked, and the runs are terminated afterwards.
 */
const SOURCE = 'fan-shop';
const TOKEN = 'fan-out-token';
const FAN_OUT = ['recordEventSaga', 'frontInboundSaga'] as const;
const taskQueue = uniqueTaskQueue('fan-out');
const SOURCES_CONFIG = JSON.stringify({ [SOURCE]: bearerEndpoint(TOKEN, { 'order.created': [...FAN_OUT], 'order.paid': 'recordEventSaga' }) });

let receiver: TestReceiver;
const started: string[] = [];

beforeAll(async () => {
  receiver = await startReceiver({ SOURCES_CONFIG, TEMPORAL_TASK_QUEUE: taskQueue, ...OPS_ENV, ...DIRECT_STARTS });
});

afterAll(async () => {
  for (const id of started) await receiver.client.workflow.getHandle(id).terminate('fan-out test done').catch(() => undefined);
  await receiver?.close();
});

const deliver = (type: string, id: string) => post(`${receiver.url}/webhooks/${SOURCE}`, JSON.stringify({ id, type, total: 42 }), { authorization: `Bearer ${TOKEN}` });
/** The IDs the README promises: the first saga on the event's own ID, the other on `<source>:<key>/<saga>`. */
const idsOf = (key: string) => [`${SOURCE}:${key}`, `${SOURCE}:${key}/frontInboundSaga`];
/** Runs Temporal has for this event (every run, whatever its state), by the search attributes the receiver sets. */
const runsOf = async (key: string) => (await receiver.client.workflow.count(`WebhookSource = '${SOURCE}' AND EventKey = '${eventKeySearchValue(key)}'`)).count;

it('one delivery starts one workflow per saga; a redelivery is a 200 duplicate and starts nothing', async () => {
  const key = `ord_${randomUUID()}`;
  const first = await deliver('order.created', key);
  const [recordId, frontId] = idsOf(key);
  started.push(recordId!, frontId!);
  expect(first.status).toBe(202);
  expect(first.json).toEqual({
    sagas: [
      { saga: 'recordEventSaga', workflowId: recordId, runId: expect.any(String), duplicate: false },
      { saga: 'frontInboundSaga', workflowId: frontId, runId: expect.any(String), duplicate: false },
    ],
  });
  // Each workflow runs its own saga, and its input's meta names its own workflow ID.
  for (const [i, workflowId] of idsOf(key).entries()) {
    const description = await receiver.client.workflow.getHandle(workflowId).describe();
    expect([description.type, description.taskQueue, description.runId]).toEqual([FAN_OUT[i], taskQueue, first.json.sagas[i]!.runId]);
    expect(await description.memo).toMatchObject({ delivery: { source: SOURCE, eventKey: key, eventType: 'order.created', workflowId } });
  }
  expect(await eventually(() => runsOf(key), (n) => n === 2)).toBe(2);

  const again = await deliver('order.created', key);
  expect([again.status, again.json]).toEqual([200, { sagas: idsOf(key).map((workflowId, i) => ({ saga: FAN_OUT[i], workflowId, duplicate: true })) }]);
  for (const [i, workflowId] of idsOf(key).entries()) {
    expect((await receiver.client.workflow.getHandle(workflowId).describe()).runId).toBe(first.json.sagas[i]!.runId);
  }
  expect(await runsOf(key)).toBe(2);
});

it('half-started (one saga of the event already exists): the other is started, the first answered duplicate', async () => {
  const key = `ord_${randomUUID()}`;
  const [recordId, frontId] = idsOf(key);
  started.push(recordId!, frontId!);
  // As a delivery answered 503 after one start would leave it: that saga runs, the other does not.
  const existing = await receiver.client.workflow.start('frontInboundSaga', { taskQueue, workflowId: frontId!, args: [{}] });
  const res = await deliver('order.created', key);
  expect([res.status, res.json]).toEqual([
    202,
    {
      sagas: [
        { saga: 'recordEventSaga', workflowId: recordId, runId: expect.any(String), duplicate: false },
        { saga: 'frontInboundSaga', workflowId: frontId, duplicate: true },
      ],
    },
  ]);
  expect((await receiver.client.workflow.getHandle(recordId!).describe()).type).toBe('recordEventSaga');
  expect((await receiver.client.workflow.getHandle(frontId!).describe()).runId).toBe(existing.firstExecutionRunId);
});

it('a single-saga route keeps its workflow ID and its answer exactly as before fan-out existed', async () => {
  const key = `ord_${randomUUID()}`;
  const res = await deliver('order.paid', key);
  started.push(`${SOURCE}:${key}`);
  const { runId } = res.json as { runId: string };
  // The bytes the receiver answered before fan-out existed (src/temporal/start-saga.ts builds them).
  expect([res.status, res.text]).toEqual([202, `{"duplicate":false,"workflowId":"${SOURCE}:${key}","runId":"${runId}"}`]);
  expect((await receiver.client.workflow.getHandle(`${SOURCE}:${key}`).describe()).type).toBe('recordEventSaga');
  const again = await deliver('order.paid', key);
  expect([again.status, again.text]).toEqual([200, `{"duplicate":true,"workflowId":"${SOURCE}:${key}"}`]);
});

it('the console finds every saga of the event by its event key', async () => {
  const key = `ord_${randomUUID()}`;
  expect((await deliver('order.created', key)).status).toBe(202);
  started.push(...idsOf(key));
  const found = await eventually(
    () => call(`${receiver.url}/ops/api/search?q=${encodeURIComponent(key)}`, token('viewer')),
    (a) => a.status === 200 && a.json.items?.length === 2,
  );
  expect(found.json.matchedBy).toBe('eventKey');
  expect(found.json.items.map((r: { workflowId: string; saga: string }) => [r.workflowId, r.saga]).sort()).toEqual(idsOf(key).map((id, i) => [id, FAN_OUT[i]]).sort());
});
