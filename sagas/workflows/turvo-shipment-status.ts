import { ApplicationFailure, patched } from '@temporalio/workflow';
import { act, undo } from './activity-proxies';
import { entities, takeEntityTurn, vendorTime } from './entity-turn';
import type { SupersededResult } from '../../core/saga/status';
import { loadEvent } from './load-event';
import { type SagaArgs } from '../../core/saga/input';
import { runSaga } from './saga';
import { DELIVERED_STATUS } from './samsara-document';
import type { TurvoStatus } from '../clients/turvo';
import type { TurvoEvent } from '../../core/saga/events';
import { PERMANENT_FAILURE } from '../../core/saga/failures';

export interface ShipmentStatusResult {
  shipmentId: string;
  status: TurvoStatus;
  recordId: string;
  conversationId?: string;
  commentId?: string;
  notificationId?: string;
}

/**
 * Patch marker of the change "a Delivered status e-mails the customer", added while sagas of the
 * older shape were running. See README, "Versioning": once no run older than the change can still
 * be replayed, `patched` becomes `deprecatePatch`, and later both go.
 */
export const NOTIFY_ON_DELIVERY_PATCH = 'turvo-status-notify-customer-on-delivery';

export function isDelivered(status: TurvoStatus): boolean {
  return status.code.key === DELIVERED_STATUS.code.key;
}

/** The Front tag for a Turvo status: `turvo-status-route-complete` for "Route Complete". */
export function statusTag(status: TurvoStatus): string {
  const slug = status.code.value.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return `turvo-status-${slug || status.code.key}`;
}

/**
 * Turvo SHIPMENT_STATUS_UPDATE:
 *   lookupShipmentLinks  the shipment's Front conversation and customer contact (records)
 *   recordStatus         add the change to the records status history  undo: revert it
 *   tagConversation      tag the linked conversation with the status   undo: remove that tag
 *   commentOnFront       comment on the linked conversation            undo: delete it
 *   notifyCustomer       Delivered only: e-mail the contact            last, cannot be undone
 * The Front steps run only when a conversation is linked.
 */
export async function turvoShipmentStatusSaga(input: SagaArgs<TurvoEvent>): Promise<ShipmentStatusResult | SupersededResult> {
  return shipmentStatusSaga(input, () => patched(NOTIFY_ON_DELIVERY_PATCH));
}

/**
 * The saga's body. `notifyOnDelivery` is asked only where the patched change diverges, so a history
 * recorded before the change replays down the old path. Exported for the versioning test, which
 * runs the same body with the change unguarded to show that replay catches it.
 */
export async function shipmentStatusSaga(input: SagaArgs<TurvoEvent>, notifyOnDelivery: () => boolean): Promise<ShipmentStatusResult | SupersededResult> {
  return runSaga('turvoShipmentStatusSaga', async (saga) => {
    const event = await loadEvent(input);
    const shipment = event.eventPayload;
    // As the records API and Turvo take it; an event whose status has no code key is refused below.
    const status = shipment?.status as TurvoStatus | undefined;
    if (event.eventName !== 'SHIPMENT_STATUS_UPDATE') throw ApplicationFailure.nonRetryable(`unsupported Turvo event ${event.eventName}`, PERMANENT_FAILURE.UnsupportedEvent);
    if (shipment?.id === undefined || !status?.code?.key) throw ApplicationFailure.nonRetryable('Turvo event has no shipment id or status code', PERMANENT_FAILURE.MalformedEvent);
    const shipmentId = String(shipment.id);
    const reference = shipment.customId ?? shipmentId;
    // One status saga at a time per shipment, in Turvo's order: an older update changes nothing.
    const superseded = await takeEntityTurn(saga, { key: entities.turvoShipment(shipmentId), clock: 'turvo', at: vendorTime(shipment.lastUpdatedOn) });
    if (superseded) return superseded;

    const links = await saga.step('lookupShipmentLinks', () => act.getShipmentLinks(shipmentId));

    const at = shipment.lastUpdatedOn ?? input.meta.receivedAt;
    const recordId = await saga.step('recordStatus', (key) => act.recordShipmentStatus(shipmentId, { status, source: 'turvo', at }, key), {
      undo: (_recordId, key) => undo.revertShipmentStatus(shipmentId, key),
    });

    const result: ShipmentStatusResult = { shipmentId, status, recordId };
    const conversationId = links.frontConversationId;
    if (conversationId) {
      result.conversationId = conversationId;
      await saga.step('tagConversation', (key) => act.tagConversation(conversationId, statusTag(status), key), {
        undo: (_none, key) => undo.untagConversation(conversationId, key),
      });

      const text = `Turvo: shipment ${reference} is now ${status.code.value} (${status.code.key}).`;
      result.commentId = await saga.step('commentOnFront', (key) => act.addConversationComment(conversationId, text, key), {
        undo: (_commentId, key) => undo.deleteConversationComment(conversationId, key),
      });
    }

    const contact = links.customerContact;
    if (isDelivered(status) && contact && notifyOnDelivery()) {
      result.notificationId = await saga.step('notifyCustomer', (key) =>
        act.notifyCustomer(contact.email, `Shipment ${reference}: delivered`, `Your shipment ${reference} has been delivered.`, key),
      );
    }
    return result;
  });
}
