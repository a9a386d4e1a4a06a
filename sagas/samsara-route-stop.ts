import { ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from './activities';
import { idempotencyKey } from './activities/keys';
import { DOWNSTREAM_CALL, UNDO_CALL } from './policies';
import { runSaga } from './saga';
import type { SagaInput } from './types';
import type { RouteStopData, SamsaraEventV2 } from '../sources/samsara/events';

const act = proxyActivities<Activities>(DOWNSTREAM_CALL);
const undo = proxyActivities<Activities>(UNDO_CALL);

/** Turvo stop status codes set by Samsara route-stop events. */
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
 * Samsara RouteStopArrival / RouteStopDeparture: update the matching Turvo stop, comment on the
 * shipment's Front conversation, then tell the customer (last, because it cannot be undone).
 * The Samsara route stop names its Turvo shipment and stop in `externalIds` (turvoShipmentId, turvoStopId).
 */
export async function samsaraRouteStopSaga(input: SagaInput<SamsaraEventV2>): Promise<RouteStopResult> {
  const { workflowId } = workflowInfo();
  const key = (step: string) => idempotencyKey(workflowId, step);
  const data = input.event.data as RouteStopData;
  const eventType = input.meta.eventType as keyof typeof STOP_STATUS;
  const status = STOP_STATUS[eventType];
  const shipmentId = data.routeStopDetails?.externalIds?.turvoShipmentId;
  const stopId = data.routeStopDetails?.externalIds?.turvoStopId;
  if (!status) throw ApplicationFailure.nonRetryable(`unsupported event type ${input.meta.eventType}`, 'UnsupportedEvent');
  if (!shipmentId || !stopId) {
    throw ApplicationFailure.nonRetryable('route stop has no turvoShipmentId/turvoStopId external ids', 'UnmappedRouteStop');
  }
  const stop = { shipmentId, stopId };

  return runSaga('samsaraRouteStopSaga', async (saga) => {
    const links = await saga.step('lookupShipmentLinks', () => act.getShipmentLinks(shipmentId));

    await saga.step('updateTurvoStop', () => act.updateStopStatus(stop, status, key('updateTurvoStop')), {
      undo: (previous) => undo.restoreStopStatus(stop, key('updateTurvoStop'), previous),
    });

    const result: RouteStopResult = { shipmentId, stopId };
    const conversationId = links.frontConversationId;
    if (conversationId) {
      const where = data.routeStopDetails?.name ?? stopId;
      const text = `${status.code.value}: ${data.vehicle?.name ?? 'vehicle'} at ${where} (${data.time ?? input.event.eventTime})`;
      result.commentId = await saga.step('commentOnFront', () => act.addConversationComment(conversationId, text, key('commentOnFront')), {
        undo: () => undo.deleteConversationComment(conversationId, key('commentOnFront')),
      });
    }

    const contact = links.customerContact;
    if (contact) {
      result.notificationId = await saga.step('notifyCustomer', () =>
        act.notifyCustomer(contact.email, `Shipment ${shipmentId}: ${status.code.value}`, `Your shipment is now: ${status.code.value}.`, key('notifyCustomer')),
      );
    }
    return result;
  });
}
