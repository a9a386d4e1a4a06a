import { randomUUID } from 'node:crypto';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { signSamsara } from '../../sources/samsara/verify';
import { redisPayloadStore } from '../../src/intake/payload-store';
import { workflowIdFor } from '../../core/workflow-id';
import { createWorker } from '../../src/worker/create-worker';
import { fixtureWith } from '../support/fixtures';
import { startSandbox, type RunningSandbox } from '../support/sandbox';
import { installTestRuntime, temporalAddress, testConfig, uniqueTaskQueue } from '../support/temporal';
import { deletePrefix, postRaw, startIntakeReceiver, uniquePrefix, type IntakeReceiver } from './support/receiver';
import { DIRECT_STARTS } from '../support/receiver';

/**
 * End to end with a real saga: a Samsara delivery over the large-payload threshold reaches the worker
 * as a reference, the worker built by createWorker (with its payload store) loads it, and the saga
 * runs exactly as it would with the event inline.
 */
const SECRET = Buffer.from('large-event-secret').toString('base64');
const prefix = uniquePrefix('large-event');
const taskQueue = uniqueTaskQueue('large-event');

let sandbox: RunningSandbox;
let receiver: IntakeReceiver;
let worker: Worker;
let connection: NativeConnection;
let running: Promise<void>;

beforeAll(async () => {
  sandbox = await startSandbox();
  const env = { ...sandbox.env, SAMSARA_WEBHOOK_SECRETS: SECRET, TEMPORAL_TASK_QUEUE: taskQueue, REDIS_KEY_PREFIX: prefix, LARGE_PAYLOAD_THRESHOLD: '256', ...DIRECT_STARTS };
  receiver = await startIntakeReceiver({ env });
  installTestRuntime();
  connection = await NativeConnection.connect({ address: temporalAddress() });
  const codePath = process.env.TEST_WORKFLOW_BUNDLE;
  worker = await createWorker({
    config: testConfig(env),
    connection,
    taskQueue,
    ...(codePath ? { workflowBundle: { codePath } } : {}),
    payloads: redisPayloadStore(receiver.redis, { prefix, ttlSeconds: 600 }),
    shutdownGraceTime: '1 second',
  });
  running = worker.run();
}, 60_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await connection?.close();
  await deletePrefix(receiver.redis, prefix);
  await receiver?.close();
  await sandbox?.close();
});

it('runs the route-stop saga from an event passed by reference', async () => {
  const eventId = randomUUID();
  const body = fixtureWith('samsara', 'route-stop-arrival', { eventId });
  expect(body.length).toBeGreaterThan(256);
  const res = await postRaw(`${receiver.url}/webhooks/samsara`, body, signSamsara(body, SECRET, Math.floor(Date.now() / 1000)));
  expect(res.status).toBe(202);

  const handle = receiver.client.workflow.getHandle(workflowIdFor('samsara', eventId));
  const history = await handle.fetchHistory();
  const input = JSON.parse(Buffer.from(history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!.data!).toString());
  expect(input.eventRef).toBeDefined();
  expect(input.event).toBeUndefined();
  await expect(handle.result()).resolves.toMatchObject({ shipmentId: '98765', stopId: 'STOP-2' });
});
