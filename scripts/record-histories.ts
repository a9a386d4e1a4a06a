/**
 * Records saga histories for the replay tests (test/sagas/replay.test.ts). Each scenario runs one
 * saga on the test Temporal server (127.0.0.1:7244, started if needed) against an in-process
 * downstream sandbox, with faults where the scenario wants a failure, and its event history is
 * saved as test/fixtures/histories/<scenario>.json, its stack traces relative to the repository.
 *
 *   npm run record-histories                      record the scenarios that have no file yet
 *   npm run record-histories -- <scenario> ...    only these
 *   npm run record-histories -- --force           overwrite existing files too
 *
 * Record again only on purpose: a history is a promise that today's code still replays what an
 * older worker did. Keep the old file when a saga changes (see README, "Versioning").
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createActivities, createClients } from '../sagas/activities';
import type { SagaInput } from '../core/saga/input';
import { entityLockId } from '../core/saga/entity-lock';
import { entities } from '../sagas/workflows/entity-turn';
import { loadConfig } from '../src/config';
import { createSandbox, type Fault } from '../sandbox/app';
import { createWorker } from '../src/worker/create-worker';
import { documentSubmitted, frontInbound, frontInboundEvent, routeStopArrival, turvoStatusEvent, turvoStatusUpdate } from './lib/saga-events';
import { sagaInput } from './lib/saga-events';
import { withoutMachinePaths } from './lib/histories';
import { ROOT, TEST_TEMPORAL, startTemporal, stopTemporal, temporalAddress } from './lib/stack';

export const HISTORIES_DIR = join(ROOT, 'test', 'fixtures', 'histories');

type FaultSpec = Omit<Fault, 'id' | 'hits' | 'passed'>;

interface Scenario {
  name: string;
  workflowType: string;
  input: () => SagaInput;
  faults?: FaultSpec[];
  /** Sagas run to their end first, on the same entities (e.g. a newer event that supersedes this one). */
  before?: { workflowType: string; input: () => SagaInput }[];
  /** Also save the history of this entity's lock (sagas/workflows/entity-lock.ts), as `<lockHistory>.json`. */
  lockHistory?: { name: string; entity: string };
}

/** A Turvo status update with a vendor time, so its saga takes its turn in Turvo's order. */
const turvoStatusAt = (lastUpdatedOn: string, status = { code: { key: '2106', value: 'At delivery' } }) => () => {
  const event = turvoStatusEvent(status);
  return sagaInput({ ...event, eventPayload: { ...event.eventPayload, lastUpdatedOn } }, { source: 'turvo', eventType: 'SHIPMENT_STATUS_UPDATE' });
};

const FRONT_REFUSES_COMMENTS: FaultSpec = { service: 'front', method: 'POST', path: '/comments$', status: 422, message: 'conversation is archived' };

const SCENARIOS: Scenario[] = [
  { name: 'samsara-route-stop-completed', workflowType: 'samsaraRouteStopSaga', input: routeStopArrival },
  { name: 'samsara-route-stop-retried', workflowType: 'samsaraRouteStopSaga', input: routeStopArrival, faults: [{ ...FRONT_REFUSES_COMMENTS, status: 503, times: 1 }] },
  { name: 'samsara-route-stop-compensated', workflowType: 'samsaraRouteStopSaga', input: routeStopArrival, faults: [FRONT_REFUSES_COMMENTS] },
  {
    name: 'samsara-route-stop-compensation-failed',
    workflowType: 'samsaraRouteStopSaga',
    input: routeStopArrival,
    faults: [
      { service: 'notify', method: 'POST', status: 422, message: 'contact unsubscribed' },
      { service: 'front', method: 'DELETE', path: '/comments$', status: 400, message: 'comment is locked' },
    ],
  },
  { name: 'samsara-document-completed', workflowType: 'samsaraDocumentSaga', input: documentSubmitted },
  {
    name: 'samsara-document-compensated',
    workflowType: 'samsaraDocumentSaga',
    input: documentSubmitted,
    faults: [{ service: 'turvo', method: 'PUT', path: '^/shipments/98765/status$', status: 422, message: 'shipment is locked' }],
  },
  { name: 'turvo-status-completed', workflowType: 'turvoShipmentStatusSaga', input: turvoStatusUpdate },
  {
    name: 'turvo-status-delivered',
    workflowType: 'turvoShipmentStatusSaga',
    input: () => sagaInput(turvoStatusEvent({ code: { key: '2110', value: 'Delivered' } }), { source: 'turvo', eventType: 'SHIPMENT_STATUS_UPDATE' }),
  },
  { name: 'turvo-status-compensated', workflowType: 'turvoShipmentStatusSaga', input: turvoStatusUpdate, faults: [FRONT_REFUSES_COMMENTS] },
  { name: 'turvo-status-ordered', workflowType: 'turvoShipmentStatusSaga', input: turvoStatusAt('2026-11-24T16:45:02.318Z') },
  {
    name: 'turvo-status-superseded',
    workflowType: 'turvoShipmentStatusSaga',
    input: turvoStatusAt('2026-11-24T17:00:00.000Z'),
    before: [{ workflowType: 'turvoShipmentStatusSaga', input: turvoStatusAt('2026-11-24T18:00:00.000Z', { code: { key: '2110', value: 'Delivered' } }) }],
    lockHistory: { name: 'entity-lock-turns', entity: entities.turvoShipment('98765') },
  },
  { name: 'front-inbound-completed', workflowType: 'frontInboundSaga', input: frontInbound },
  {
    name: 'front-inbound-compensated',
    workflowType: 'frontInboundSaga',
    input: frontInbound,
    faults: [{ service: 'front', method: 'POST', path: '/tags$', status: 422, message: 'unknown tag' }],
  },
  {
    name: 'front-inbound-no-reference',
    workflowType: 'frontInboundSaga',
    input: () => sagaInput(frontInboundEvent('Thanks for the update!'), { source: 'frontapp', eventType: 'inbound' }),
  },
  {
    name: 'record-event-completed',
    workflowType: 'recordEventSaga',
    input: () => sagaInput({ appointmentId: 'APT-5521', status: 'checked_in', dock: 3 }, { source: 'yard', eventType: 'appointment.checked_in' }),
  },
];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const force = args.includes('--force');
  const only = args.filter((a) => !a.startsWith('--'));
  const unknown = only.filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length > 0) throw new Error(`unknown scenario(s): ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  const todo = SCENARIOS.filter((s) => (only.length === 0 || only.includes(s.name)) && (force || !existsSync(join(HISTORIES_DIR, `${s.name}.json`))));
  if (todo.length === 0) {
    process.stdout.write('nothing to record (every scenario has a file; use --force or name scenarios)\n');
    return;
  }
  mkdirSync(HISTORIES_DIR, { recursive: true });

  Runtime.install({ logger: new DefaultLogger('WARN') });
  const startedTemporal = await startTemporal(TEST_TEMPORAL);
  const sandbox = createSandbox({ nodeEnv: 'development' });
  const server = sandbox.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const taskQueue = `record-histories-${randomUUID()}`;
  const config = loadConfig({
    NODE_ENV: 'development',
    TEMPORAL_ADDRESS: temporalAddress(TEST_TEMPORAL),
    TURVO_API_URL: `${base}/turvo`,
    FRONT_API_URL: `${base}/front`,
    SAMSARA_API_URL: `${base}/samsara`,
    RECORDS_API_URL: `${base}/records`,
    NOTIFY_API_URL: `${base}/notify`,
  });
  const nativeConnection = await NativeConnection.connect({ address: config.temporal.address });
  const connection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection });
  const worker = await createWorker({ config, connection: nativeConnection, taskQueue, activities: createActivities(createClients(config.downstream)) });
  const running = worker.run();

  try {
    for (const scenario of todo) {
      sandbox.reset();
      for (const fault of scenario.faults ?? []) {
        const res = await fetch(`${base}/_sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fault) });
        if (!res.ok) throw new Error(`sandbox refused fault for ${scenario.name}: ${await res.text()}`);
      }
      const start = (workflowType: string, input: SagaInput, workflowId: string) =>
        client.workflow.start(workflowType, { taskQueue, workflowId, args: [{ ...input, meta: { ...input.meta, workflowId } }] });
      for (const [i, earlier] of (scenario.before ?? []).entries()) await (await start(earlier.workflowType, earlier.input(), `history:${scenario.name}:before-${i}:${randomUUID()}`)).result();
      const handle = await start(scenario.workflowType, scenario.input(), `history:${scenario.name}:${randomUUID()}`);
      const outcome = await handle.result().then(
        () => 'completed',
        (err: unknown) => (err instanceof WorkflowFailedError ? `failed: ${err.cause?.message ?? err.message}` : Promise.reject(err)),
      );
      const history = await handle.fetchHistory();
      const file = join(HISTORIES_DIR, `${scenario.name}.json`);
      // Stack traces are written relative to the repository: no machine's paths in committed files.
      writeFileSync(file, `${JSON.stringify(withoutMachinePaths(JSON.parse(historyToJSON(history)), ROOT), null, 2)}\n`);
      process.stdout.write(`${scenario.name}: ${outcome} -> ${file} (${history.events?.length ?? 0} events)\n`);
      if (scenario.lockHistory) {
        // The lock stays open (it remembers the newest time applied): its history so far is what replays.
        const lock = client.workflow.getHandle(entityLockId(taskQueue, scenario.lockHistory.entity));
        const lockFile = join(HISTORIES_DIR, `${scenario.lockHistory.name}.json`);
        writeFileSync(lockFile, `${JSON.stringify(JSON.parse(historyToJSON(await lock.fetchHistory())), null, 2)}\n`);
        await lock.terminate('history recorded');
        process.stdout.write(`${scenario.lockHistory.name}: lock of ${scenario.lockHistory.entity} -> ${lockFile}\n`);
      }
    }
  } finally {
    worker.shutdown();
    await running;
    await nativeConnection.close();
    await connection.close();
    server.closeAllConnections();
    server.close();
    if (startedTemporal) await stopTemporal(TEST_TEMPORAL);
  }
}

main().catch((err) => {
  process.stderr.write(`record-histories failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
