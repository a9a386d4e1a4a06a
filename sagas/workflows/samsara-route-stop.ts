import { ApplicationFailure } from '@temporalio/workflow';
import { act, undo } from './activity-proxies';
import { entities, takeEntityTurn, vendorTime } from './entity-turn';
import type { SupersededResult } from '../../core/saga/status';
import { loadEvent } from './load-event';
import { type SagaArgs } from '../../core/saga/input';
import { runSaga } from './saga';
import type { RouteStopData, SamsaraEventV2 } from '../../sources/samsara/events';
import { PERMANENT_FAILURE } from '../../core/saga/failures';

/** Turvo stop status codes set by Samsara route-stop events (Turvo's code list is not public: modelled). */
export const STOP_STATUS = {
  RouteStopArrival: { code: { key: '2104', value: 'At stop' } },
  RouteStopDeparture: { code: { key: '2105', value: 'Departed stop' } },
} as const;

export interface RouteStopResult {
  shipmentId: string;
  stopId: string;
  commentId?: string;
  notificationId?: string;
}

/**
 * Samsara RouteStopArrival / RouteStopDeparture:
 *   lookupShipmentLinks  read the shipment's Front conversation and customer contact (records)
 *   updateTurvoStop      set the Turvo stop's status          undo: restore the previous status
 *   commentOnFront       timeline comment on the conversation undo: delete it
 *   notifyCustomer       e-mail the customer contact          last, because it cannot be undone
 * The Samsara route stop names its Turvo shipment and stop in `externalIds` (turvoShipmentId, turvoStopId).
 */
export async function samsaraRouteStopSaga(input: SagaArgs<SamsaraEventV2>): Promise<RouteStopResult | SupersededResult> {
  return runSaga('samsaraRouteStopSaga', async (saga) => {
    const event = await loadEvent(input);
    const data = event.data as RouteStopData;
    const status = STOP_STATUS[input.meta.eventType as keyof typeof STOP_STATUS];
    const shipmentId = data.routeStopDetails?.externalIds?.turvoShipmentId;
    const stopId = data.routeStopDetails?.externalIds?.turvoStopId;
    if (!status) throw ApplicationFailure.nonRetryable(`unsupported event type ${input.meta.eventType}`, PERMANENT_FAILURE.UnsupportedEvent);
    if (!shipmentId || !stopId) {
      throw ApplicationFailure.nonRetryable('route stop has no turvoShipmentId/turvoStopId external ids', PERMANENT_FAILURE.UnmappedRouteStop);
    }
    const stop = { shipmentId, stopId };
    // One route-stop saga at a time per Turvo stop, in Samsara's order: a late arrival after the
    // departure changes nothing.
    const superseded = await takeEntityTurn(saga, { key: entities.turvoStop(shipmentId, stopId), clock: 'samsara', at: vendorTime(event.eventTime) });
    if (superseded) return superseded;

    const links = await saga.step('lookupShipmentLinks', () => act.getShipmentLinks(shipmentId));

    await saga.step('updateTurvoStop', (key) => act.updateStopStatus(stop, status, key), {
      undo: (previous, key) => undo.restoreStopStatus(stop, key, previous),
    });

    const result: RouteStopResult = { shipmentId, stopId };
    const conversationId = links.frontConversationId;
    if (conversationId) {
      const where = data.routeStopDetails?.name ?? stopId;
      const text = `${status.code.value}: ${data.vehicle?.name ?? 'vehicle'} at ${where} (${data.time ?? event.eventTime})`;
      result.commentId = await saga.step('commentOnFront', (key) => act.addConversationComment(conversationId, text, key), {
        undo: (_commentId, key) => undo.deleteConversationComment(conversationId, key),
      });
    }

    const contact = links.customerContact;
    if (contact) {
      result.notificationId = await saga.step('notifyCustomer', (key) =>
        act.notifyCustomer(contact.email, `Shipment ${shipmentId}: ${status.code.value}`, `Your shipment is now: ${status.code.value}.`, key),
      );
    }
    return result;
  });
}
