import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createActivities, createClients } from '../../sagas/activities';
import { startWorkerMetricsServer } from '../../src/worker/metrics-server';
import { fixtureWith } from '../support/fixtures';
import { startSandbox, type RunningSandbox } from '../support/sandbox';
import { startTestWorker, testClient, testConfig, uniqueTaskQueue, type TestWorker } from '../support/temporal';

/** The worker's /healthz, /readyz and /metrics, with saga outcomes counted from the workflows' sinks. */
const taskQueue = uniqueTaskQueue('worker-metrics');
let sandbox: RunningSandbox;
let worker: TestWorker;
let server: Server;
let url: string;
let client: Awaited<ReturnType<typeof testClient>>;

beforeAll(async () => {
  sandbox = await startSandbox();
  const config = testConfig(sandbox.env);
  worker = await startTestWorker({ taskQueue, activities: createActivities(createClients(config.downstream)), config });
  server = await startWorkerMetricsServer({ port: 0, host: '127.0.0.1', isReady: () => worker.worker.getState() === 'RUNNING' });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  client = await testClient();
});

afterAll(async () => {
  await worker?.stop();
  server?.close();
  await client?.close();
  await sandbox?.close();
});

async function sample(name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line ? Number(line.split(' ').pop()) : 0;
}

function routeStop(shipmentId: string) {
  const event = JSON.parse(fixtureWith('samsara', 'route-stop-arrival', { eventId: randomUUID() }).toString());
  event.data.routeStopDetails.externalIds.turvoShipmentId = shipmentId;
  const workflowId = `samsara:${event.eventId}`;
  return {
    workflowId,
    input: { meta: { source: 'samsara', eventKey: event.eventId, eventType: 'RouteStopArrival', workflowId, receivedAt: new Date().toISOString() }, event },
  };
}

it('answers /healthz and /readyz while the worker polls', async () => {
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
  expect((await fetch(`${url}/readyz`)).status).toBe(200);
});

it('counts completed and compensated sagas and the failed step', async () => {
  const before = {
    completed: await sample('saga_outcomes_total', { saga: 'samsaraRouteStopSaga', outcome: 'completed' }),
    compensated: await sample('saga_outcomes_total', { saga: 'samsaraRouteStopSaga', outcome: 'compensated' }),
    failedStep: await sample('saga_step_failures_total', { saga: 'samsaraRouteStopSaga', step: 'updateTurvoStop' }),
  };
  // The next stop update is refused (422: not retried), so the first saga is compensated and the second completes.
  const fault = await fetch(`${sandbox.url}/_sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ service: 'turvo', method: 'PUT', path: '/stops/', status: 422, times: 1, message: 'stop is closed' }),
  });
  expect(fault.status).toBe(201);
  const bad = routeStop('98765');
  await expect(client.client.workflow.execute('samsaraRouteStopSaga', { taskQueue, workflowId: bad.workflowId, args: [bad.input] })).rejects.toThrow();
  const ok = routeStop('98765');
  await client.client.workflow.execute('samsaraRouteStopSaga', { taskQueue, workflowId: ok.workflowId, args: [ok.input] });

  expect(await sample('saga_outcomes_total', { saga: 'samsaraRouteStopSaga', outcome: 'completed' })).toBe(before.completed + 1);
  expect(await sample('saga_outcomes_total', { saga: 'samsaraRouteStopSaga', outcome: 'compensated' })).toBe(before.compensated + 1);
  expect(await sample('saga_step_failures_total', { saga: 'samsaraRouteStopSaga', step: 'updateTurvoStop' })).toBe(before.failedStep + 1);
});
