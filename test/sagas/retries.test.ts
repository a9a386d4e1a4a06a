import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { routeStopArrival } from '../../scripts/lib/saga-events';
import { collect, runToEnd } from './support/saga-run';
import { describeCalls, useSagaHarness } from './support/harness';

/**
 * Retries and cancellation on the route-stop saga. Transient trouble (5xx) is retried with the
 * policy's backoff (DOWNSTREAM_CALL: first retry after 1 s) under the same idempotency key; a
 * business refusal (4xx) is not retried; a cancelled saga still compensates.
 */
const h = useSagaHarness('saga-retries');
const COMMENTS = 'POST /conversations/cnv_55c8c149/comments';

describe('retries', () => {
  it('retries a transient 503 to success under the same idempotency key, and the timeline shows 2 attempts', async () => {
    await h.fail(COMMENTS, { status: 503, times: 1 });
    const r = await runToEnd(h.client, h.taskQueue, 'samsaraRouteStopSaga', routeStopArrival());

    expect(r.failure).toBeUndefined();
    expect(describeCalls(h.requests(), r.keyPrefix)).toEqual([
      'GET /shipments/98765/links [-]',
      'PUT /shipments/98765/stops/STOP-2/status [updateTurvoStop]',
      `${COMMENTS} [commentOnFront]`,
      `${COMMENTS} [commentOnFront]`,
      'POST /messages [notifyCustomer]',
    ]);
    expect(r.status.steps.find((s) => s.step === 'commentOnFront')).toMatchObject({ state: 'completed', attempts: 2 });
    expect(r.status.outcome).toBe('completed');
  });

  it('does not retry a 4xx business refusal: one call, then compensation', async () => {
    await h.fail(COMMENTS, { status: 403, message: 'conversation is archived' });
    const r = await runToEnd(h.client, h.taskQueue, 'samsaraRouteStopSaga', routeStopArrival());

    expect(h.requests().filter((c) => `${c.method} ${c.path}` === COMMENTS)).toHaveLength(1);
    expect(r.failure).toMatchObject({
      outcome: 'compensated',
      failedStep: 'commentOnFront',
      stepsFailed: [{ step: 'commentOnFront', phase: 'run', attempts: 1, error: expect.stringContaining('conversation is archived') }],
    });
  });
});

describe('cancellation', () => {
  it('a saga cancelled while a step retries still runs its undos (that step included: its outcome is unknown) and ends Cancelled', async () => {
    await h.fail(COMMENTS, { status: 503 });
    const input = routeStopArrival();
    const handle = await h.client.workflow.start('samsaraRouteStopSaga', { taskQueue: h.taskQueue, workflowId: `${input.meta.workflowId}:cancel`, args: [input] });
    // Cancelled only once the comment step is retrying (a loaded machine may take a while to get there).
    const retrying = () => h.requests().some((c) => `${c.method} ${c.path}` === COMMENTS);
    for (let i = 0; i < 600 && !retrying(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(retrying()).toBe(true);
    await handle.cancel();

    const error = await handle.result().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    const r = await collect(handle);
    expect(describeCalls(h.requests(), r.keyPrefix)).toEqual([
      'GET /shipments/98765/links [-]',
      'PUT /shipments/98765/stops/STOP-2/status [updateTurvoStop]',
      `${COMMENTS} [commentOnFront]`,
      'DELETE /conversations/cnv_55c8c149/comments?idempotency_key=commentOnFront [commentOnFront/undo]',
      'PUT /shipments/98765/stops/STOP-2/status [updateTurvoStop/undo]',
    ]);
    expect(r.status.outcome).toBe('compensated');
    expect(r.status.steps.map((s) => [s.step, s.state])).toEqual([
      ['lookupShipmentLinks', 'completed'],
      ['updateTurvoStop', 'undone'],
      ['commentOnFront', 'undone'],
    ]);
    expect(r.searchAttributes).toMatchObject({ SagaOutcome: ['compensated'] });
  });
});
