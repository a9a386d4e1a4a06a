import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { shipmentReferences } from '../../sagas/workflows/front-inbound';
import { frontAppEnvelope, frontInboundEvent, samsaraEvent, turvoStatusEvent } from '../../scripts/lib/saga-events';
import { runToEnd } from './support/saga-run';
import { sagaInput } from '../../scripts/lib/saga-events';
import { describeCalls, useSagaHarness } from './support/harness';

/** The branches of the sagas beyond their main path: other input shapes, nothing to do, nothing linked. */
const h = useSagaHarness('saga-variants');

describe('shipmentReferences', () => {
  it('finds custom ids, load numbers and shipment numbers, most specific first, once each', () => {
    expect(shipmentReferences('Re: load #L-7781 / S-1001, shipment 98765; also s-1001')).toEqual([
      { kind: 'customId', value: 'S-1001' },
      { kind: 'loadNumber', value: 'L-7781' },
      { kind: 'shipmentId', value: '98765' },
    ]);
    expect(shipmentReferences('Load number: 7781')).toEqual([{ kind: 'loadNumber', value: '7781' }]);
    expect(shipmentReferences('Thanks, see you at 10:30!')).toEqual([]);
  });
});

describe('frontInboundSaga', () => {
  it('takes an application webhook envelope as well as a rule event', async () => {
    const r = await runToEnd(h.client, h.taskQueue, 'frontInboundSaga', sagaInput(frontAppEnvelope(), { source: 'frontapp', eventType: 'inbound' }));
    expect(r.result).toMatchObject({ conversationId: 'cnv_55c8c149', shipment: { shipmentId: '98765' } });
    expect(r.status.steps.map((s) => s.step)).toEqual(['findShipment', 'linkConversation', 'tagConversation']);
  });

  it('completes with nothing changed when the message names no shipment', async () => {
    const r = await runToEnd(h.client, h.taskQueue, 'frontInboundSaga', sagaInput(frontInboundEvent('Thanks, see you at 10:30!'), { source: 'frontapp', eventType: 'inbound' }));
    expect(r.result).toEqual({ conversationId: 'cnv_55c8c149', references: [], shipment: null });
    expect(h.requests()).toEqual([]);
    expect(r.status).toMatchObject({ outcome: 'completed', steps: [] });
  });

  it('completes with nothing changed when Turvo knows no shipment it names', async () => {
    const r = await runToEnd(h.client, h.taskQueue, 'frontInboundSaga', sagaInput(frontInboundEvent('Where is S-4040?'), { source: 'frontapp', eventType: 'inbound' }));
    expect(r.result).toMatchObject({ shipment: null });
    expect(describeCalls(h.requests(), r.keyPrefix)).toEqual(['GET /shipments?customId=S-4040 [-]']);
  });
});

describe('samsaraDocumentSaga', () => {
  it('attaches a document that is not a proof of delivery without marking the shipment delivered', async () => {
    const event = samsaraEvent('document-submitted');
    const data = event.data as { document: { documentType: { name: string } } };
    data.document.documentType.name = 'Fuel receipt';
    const r = await runToEnd(h.client, h.taskQueue, 'samsaraDocumentSaga', sagaInput(event, { source: 'samsara', eventType: 'DocumentSubmitted' }));
    expect(r.result).toMatchObject({ markedDelivered: false });
    expect(r.status.steps.map((s) => s.step)).toEqual(['lookupShipmentLinks', 'downloadDocument', 'attachToTurvo', 'postToFront']);
    expect(h.requests().some((c) => c.method === 'PUT')).toBe(false);
  });
});

describe('turvoShipmentStatusSaga', () => {
  it('records the change and stops there when no Front conversation is linked', async () => {
    const r = await runToEnd(h.client, h.taskQueue, 'turvoShipmentStatusSaga', sagaInput(turvoStatusEvent(undefined, 98766), { source: 'turvo', eventType: 'SHIPMENT_STATUS_UPDATE' }));
    expect(r.result).toEqual({ shipmentId: '98766', status: { code: { key: '2116', value: 'Route Complete' } }, recordId: 'sth_1' });
    expect(describeCalls(h.requests(), r.keyPrefix)).toEqual(['GET /shipments/98766/links [-]', 'POST /shipments/98766/status-history [recordStatus]']);
  });
});

describe('samsaraRouteStopSaga', () => {
  it('fails before its first step, calling nothing, for a route stop that names no Turvo shipment; still readable through status', async () => {
    const event = samsaraEvent('route-stop-arrival');
    delete (event.data as { routeStopDetails: { externalIds?: unknown } }).routeStopDetails.externalIds;
    const r = await runToEnd(h.client, h.taskQueue, 'samsaraRouteStopSaga', sagaInput(event, { source: 'samsara', eventType: 'RouteStopArrival' }));
    expect(r.failure).toMatchObject({
      outcome: 'compensated',
      failedStep: '(before first step)',
      error: 'route stop has no turvoShipmentId/turvoStopId external ids',
      stepsDone: [],
      stepsUndone: [],
    });
    const cause = (await r.handle.result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect((cause.cause?.cause as ApplicationFailure).type).toBe('UnmappedRouteStop');
    expect(r.status).toMatchObject({ outcome: 'compensated', steps: [] });
    expect(h.requests()).toEqual([]);
  });
});
