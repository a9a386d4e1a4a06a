import { randomUUID } from 'node:crypto';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createActivities, createClients } from '../../sagas/activities';
import { signSamsara } from '../../sources/samsara/verify';
import { createTracing, type Tracing } from '../../src/tracing';
import { createWorker } from '../../src/worker/create-worker';
import { fixtureWith } from '../support/fixtures';
import { post, startReceiver, type TestReceiver } from '../support/receiver';
import { startSandbox, type RunningSandbox } from '../support/sandbox';
import { installTestRuntime, temporalAddress, testConfig, uniqueTaskQueue } from '../support/temporal';

/** OTEL_TRACING: one trace from the webhook request, through the saga start, into the workflow and its activities. */
const SECRET = Buffer.from('samsara-tracing-secret').toString('base64');
const taskQueue = uniqueTaskQueue('tracing');
const exporter = new InMemorySpanExporter();

let sandbox: RunningSandbox;
let tracing: Tracing;
let receiver: TestReceiver;
let connection: Connection;
let nativeConnection: NativeConnection;
let running: Promise<void>;
let shutdown: () => void;

beforeAll(async () => {
  sandbox = await startSandbox();
  const env = { ...sandbox.env, SAMSARA_WEBHOOK_SECRETS: SECRET, TEMPORAL_TASK_QUEUE: taskQueue };
  tracing = createTracing({ serviceName: 'tracing-test', spanProcessor: new SimpleSpanProcessor(exporter) });
  connection = await Connection.connect({ address: temporalAddress() });
  const client = new Client({ connection, plugins: [tracing.plugin] });
  receiver = await startReceiver(env, { temporal: client, tracer: tracing.tracer });
  installTestRuntime();
  nativeConnection = await NativeConnection.connect({ address: temporalAddress() });
  const config = testConfig(env);
  // No prebuilt bundle: the plugin adds its workflow interceptors while bundling.
  const worker = await createWorker({ config, connection: nativeConnection, taskQueue, activities: createActivities(createClients(config.downstream)), plugins: [tracing.plugin] });
  running = worker.run();
  shutdown = () => worker.shutdown();
}, 120_000);

afterAll(async () => {
  shutdown?.();
  await running;
  await nativeConnection?.close();
  await receiver?.close();
  await connection?.close();
  await tracing?.shutdown();
  await sandbox?.close();
});

it('links the HTTP request, the saga start, the workflow run and its activities in one trace', async () => {
  const body = fixtureWith('samsara', 'route-stop-arrival', { eventId: randomUUID() });
  const res = await post(`${receiver.url}/webhooks/samsara`, body, signSamsara(body, SECRET, Math.floor(Date.now() / 1000)));
  expect(res.status).toBe(202);
  await receiver.client.workflow.getHandle(res.json.workflowId).result();

  let spans = exporter.getFinishedSpans();
  for (let i = 0; i < 50 && !spans.some((s) => s.name.startsWith('RunActivity:notifyCustomer')); i++) {
    await new Promise((r) => setTimeout(r, 100));
    spans = exporter.getFinishedSpans();
  }
  const request = spans.find((s) => s.name === 'POST /webhooks/samsara');
  expect(request).toBeDefined();
  const trace = spans.filter((s) => s.spanContext().traceId === request!.spanContext().traceId).map((s) => s.name);
  expect(trace).toEqual(
    expect.arrayContaining([
      'POST /webhooks/samsara',
      'StartWorkflow:samsaraRouteStopSaga',
      'RunWorkflow:samsaraRouteStopSaga',
      'RunActivity:updateStopStatus',
      'RunActivity:notifyCustomer',
    ]),
  );
});
