import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow/lib/errors';
import { ENTITY_TURN_PATCH } from '../../sagas/workflows/entity-turn';
import { NOTIFY_ON_DELIVERY_PATCH } from '../../sagas/workflows/turvo-shipment-status';
import { sagaMetricsSinks } from '../../src/worker/saga-metrics';
import { turvoStatusEvent } from '../../scripts/lib/saga-events';
import { runToEnd } from './support/saga-run';
import { sagaInput } from '../../scripts/lib/saga-events';
import { describeCalls, useSagaHarness } from './support/harness';

/**
 * Versioning: the Turvo status saga gained a step ("a Delivered status e-mails the customer")
 * while runs of the older shape may still be in flight. The change is guarded by `patched()`:
 * new runs take the new path and record a marker; a history recorded before the change replays
 * down the old path. The same change without the guard is shown to break that replay.
 */
const HISTORIES = join(__dirname, '..', 'fixtures', 'histories');
const history = (name: string) => historyFromJSON(JSON.parse(readFileSync(join(HISTORIES, `${name}.json`), 'utf8')));
const BEFORE_THE_CHANGE = 'turvo-status-delivered-before-notify-patch';
const AFTER_THE_CHANGE = 'turvo-status-delivered';

const h = useSagaHarness('saga-versioning');

function bundle(): { codePath: string } {
  const codePath = process.env.TEST_WORKFLOW_BUNDLE;
  if (!codePath) throw new Error('TEST_WORKFLOW_BUNDLE is not set: run through jest');
  return { codePath };
}

it('a new run takes the new path: a Delivered status e-mails the customer, and the history carries the patch marker', async () => {
  const input = sagaInput(turvoStatusEvent({ code: { key: '2110', value: 'Delivered' } }), { source: 'turvo', eventType: 'SHIPMENT_STATUS_UPDATE' });
  const r = await runToEnd(h.client, h.taskQueue, 'turvoShipmentStatusSaga', input);

  expect(r.result).toMatchObject({ notificationId: 'msg_1' });
  expect(describeCalls(h.requests(), r.keyPrefix)).toEqual([
    'GET /shipments/98765/links [-]',
    'POST /shipments/98765/status-history [recordStatus]',
    'POST /conversations/cnv_55c8c149/tags [tagConversation]',
    'POST /conversations/cnv_55c8c149/comments [commentOnFront]',
    'POST /messages [notifyCustomer]',
  ]);
  const recorded = JSON.parse(historyToJSON(await r.handle.fetchHistory())) as { events: { markerRecordedEventAttributes?: unknown }[] };
  // Patch markers carry `{ id, deprecated }` base64-encoded; the saga's entity turn has its own marker.
  const markerOf = (id: string) => Buffer.from(JSON.stringify({ id, deprecated: false })).toString('base64');
  const markers = recorded.events.filter((e) => e.markerRecordedEventAttributes).map((e) => JSON.stringify(e));
  expect(markers.filter((m) => m.includes(markerOf(NOTIFY_ON_DELIVERY_PATCH)))).toHaveLength(1);
  expect(markers.filter((m) => m.includes(markerOf(ENTITY_TURN_PATCH)))).toHaveLength(1);
  expect(markers).toHaveLength(2);
});

it('a history recorded before the change still replays (patched() answers false there) and so does one recorded after', async () => {
  await expect(Worker.runReplayHistory({ workflowBundle: bundle(), sinks: sagaMetricsSinks }, history(BEFORE_THE_CHANGE), BEFORE_THE_CHANGE)).resolves.toBeUndefined();
  await expect(Worker.runReplayHistory({ workflowBundle: bundle(), sinks: sagaMetricsSinks }, history(AFTER_THE_CHANGE), AFTER_THE_CHANGE)).resolves.toBeUndefined();
});

it('the same change without patched() fails the replay of the older history', async () => {
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('./versioning/unguarded-workflows'), logger: quietLogger });
  const replay = Worker.runReplayHistory({ workflowBundle: { code }, sinks: sagaMetricsSinks }, history(BEFORE_THE_CHANGE), BEFORE_THE_CHANGE);
  await expect(replay).rejects.toBeInstanceOf(DeterminismViolationError);
});

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };
