import { randomUUID } from 'node:crypto';
import { NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { WorkflowFailedError } from '@temporalio/client';
import { createPayloadActivities } from '../../sagas/activities/payloads';
import type { SagaInput, SagaInputRef } from '../../core/saga/input';
import { signSamsara } from '../../sources/samsara/verify';
import { silentLogger } from '../../src/logger';
import { redisPayloadStore } from '../../src/intake/payload-store';
import { redisKeys } from '../../src/intake/redis';
import { workflowIdFor } from '../../core/workflow-id';
import type { Answer } from '../support/answers';
import { fixture } from '../support/fixtures';
import { installTestRuntime, temporalAddress, uniqueTaskQueue } from '../support/temporal';
import { deletePrefix, postRaw, startIntakeReceiver, uniquePrefix, type IntakeReceiver } from './support/receiver';
import { DIRECT_STARTS } from '../support/receiver';

/**
 * Events over LARGE_PAYLOAD_THRESHOLD travel by reference: the workflow input stays small, the bytes
 * wait in the payload store, and a saga resolves them with loadEvent (an activity).
 */
const SECRET = Buffer.from('payloads-secret').toString('base64');
const prefix = uniquePrefix('payloads');
// Deliveries start samsara sagas nobody runs here; the probe workflows have a queue (and a worker) of their own.
const deliveryQueue = uniqueTaskQueue('payloads');
const taskQueue = uniqueTaskQueue('payloads-probe');
const env = { SAMSARA_WEBHOOK_SECRETS: SECRET, TEMPORAL_TASK_QUEUE: deliveryQueue, REDIS_KEY_PREFIX: prefix, BODY_LIMIT: '1mb', ...DIRECT_STARTS };
const PAD = 200 * 1024;

let receiver: IntakeReceiver;
let probes: IntakeReceiver;
let noRedis: IntakeReceiver;
let worker: Worker;
let workerConnection: NativeConnection;
let running: Promise<void>;

beforeAll(async () => {
  receiver = await startIntakeReceiver({ env });
  probes = await startIntakeReceiver({ env: { ...env, TEMPORAL_TASK_QUEUE: taskQueue } });
  noRedis = await startIntakeReceiver({ env: { ...env, REDIS_URL: 'redis://127.0.0.1:1' } });
  installTestRuntime();
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('./workflows/load-event-probe'), logger: quiet });
  workerConnection = await NativeConnection.connect({ address: temporalAddress() });
  worker = await Worker.create({
    connection: workerConnection,
    taskQueue,
    workflowBundle: { code },
    activities: createPayloadActivities(redisPayloadStore(receiver.redis, { prefix, ttlSeconds: 600 })),
  });
  running = worker.run();
}, 60_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await workerConnection?.close();
  await deletePrefix(receiver.redis, prefix);
  await noRedis?.close();
  await probes?.close();
  await receiver?.close();
});

const noop = () => undefined;
const quiet = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };

function largeArrival(eventId = randomUUID()): Buffer {
  const event = JSON.parse(fixture('samsara', 'route-stop-arrival').toString('utf8'));
  return Buffer.from(JSON.stringify({ ...event, eventId, data: { ...event.data, pad: 'x'.repeat(PAD) } }));
}

function deliver(to: IntakeReceiver, body: Buffer) {
  return postRaw(`${to.url}/webhooks/samsara`, body, signSamsara(body, SECRET, Math.floor(Date.now() / 1000)));
}

/** A recorded saga input, read by the tests: the event inline (a Samsara arrival), or its reference. */
type StartedInput = Answer<SagaInput<{ eventId: string; data: { pad: string } }> | SagaInputRef>;

/** The saga input exactly as Temporal recorded it in the start event. */
async function startInput(client: IntakeReceiver['client'], workflowId: string): Promise<{ bytes: number; input: StartedInput }> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const payload = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
  return { bytes: payload.data!.length, input: JSON.parse(Buffer.from(payload.data!).toString('utf8')) as StartedInput };
}

function inputFor(eventId: string, event: unknown): { workflowId: string; saga: string; input: SagaInput } {
  const workflowId = workflowIdFor('probe', eventId);
  return {
    workflowId,
    saga: 'loadEventProbe',
    input: { meta: { source: 'probe', eventKey: eventId, eventType: 'Probe', workflowId, receivedAt: new Date().toISOString() }, event },
  };
}

describe('large payloads', () => {
  it('starts the saga with a reference instead of a 200 KiB event, the bytes kept in Redis with a TTL', async () => {
    const eventId = randomUUID();
    const res = await deliver(receiver, largeArrival(eventId));
    expect(res.status).toBe(202);
    const { bytes, input } = await startInput(receiver.client, workflowIdFor('samsara', eventId));
    expect(bytes).toBeLessThan(2048);
    expect(input.event).toBeUndefined();
    expect(input.eventRef).toEqual({ store: 'redis', key: expect.stringMatching(/^[0-9a-f]{64}$/), bytes: expect.any(Number), sha256: input.eventRef.key });
    expect(input.eventRef.bytes).toBeGreaterThan(PAD);
    expect(await receiver.redis.ttl(redisKeys(prefix).payload(input.eventRef.key))).toBeGreaterThan(6 * 24 * 3600);
  });

  it('keeps a small event inline', async () => {
    const eventId = randomUUID();
    const body = Buffer.from(JSON.stringify({ ...JSON.parse(fixture('samsara', 'route-stop-arrival').toString('utf8')), eventId }));
    expect((await deliver(receiver, body)).status).toBe(202);
    const { input } = await startInput(receiver.client, workflowIdFor('samsara', eventId));
    expect(input.eventRef).toBeUndefined();
    expect(input.event.eventId).toBe(eventId);
  });

  it('lets a saga load the referenced event through the loadEventPayload activity', async () => {
    const eventId = randomUUID();
    const req = inputFor(eventId, { eventId, data: { pad: 'y'.repeat(PAD) } });
    const result = await probes.parts.intake.submit(req, silentLogger());
    expect(result).toMatchObject({ duplicate: false });
    const output = await receiver.client.workflow.getHandle(req.workflowId).result();
    expect(output).toEqual({ eventId, padLength: PAD, viaRef: true });
  });

  it('fails the saga with EventPayloadMissing (no endless retries) when the stored bytes are gone', async () => {
    const eventId = randomUUID();
    const { workflowId, saga, input } = inputFor(eventId, { eventId, data: { pad: 'z'.repeat(PAD) } });
    const eventRef = await receiver.parts.payloads.put(Buffer.from(JSON.stringify(input.event)));
    await receiver.redis.del(redisKeys(prefix).payload(eventRef.key)); // expired before the saga ran
    await receiver.client.workflow.start(saga, { taskQueue, workflowId, args: [{ meta: input.meta, eventRef }] });
    const failure = await receiver.client.workflow.getHandle(workflowId).result().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(JSON.stringify((failure as WorkflowFailedError).cause)).toContain('EventPayloadMissing');
  });

  it('passes a large event inline when the payload store (Redis) is down, rather than refusing it', async () => {
    const eventId = randomUUID();
    const res = await deliver(noRedis, largeArrival(eventId));
    expect(res.status).toBe(202);
    const { input } = await startInput(noRedis.client, workflowIdFor('samsara', eventId));
    expect(input.eventRef).toBeUndefined();
    expect(input.event.data.pad).toHaveLength(PAD);
  });
});
