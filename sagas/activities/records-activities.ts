import { undoKey, type IdempotencyKey } from '../../core/saga/keys';
import type { Clients } from '../clients';
import type { EventRecord, ShipmentLinks } from '../clients/records';
import type { TurvoStatus } from '../clients/turvo';

/** Internal records API activities: links, status history, the event log. */
export function createRecordsActivities({ records }: Pick<Clients, 'records'>) {
  return {
    async getShipmentLinks(shipmentId: string): Promise<ShipmentLinks> {
      return records.getShipmentLinks(shipmentId);
    },

    async linkConversation(shipmentId: string, conversationId: string, key: IdempotencyKey): Promise<void> {
      await records.linkConversation(shipmentId, conversationId, key);
    },

    async unlinkConversation(shipmentId: string, key: string): Promise<void> {
      await records.unlinkConversationByKey(shipmentId, key, undoKey(key));
    },

    async recordShipmentStatus(shipmentId: string, entry: { status: TurvoStatus; source: string; at: string }, key: IdempotencyKey): Promise<string> {
      return (await records.recordShipmentStatus(shipmentId, entry, key)).id;
    },

    async revertShipmentStatus(shipmentId: string, key: string): Promise<void> {
      await records.revertShipmentStatusByKey(shipmentId, key, undoKey(key));
    },

    async recordEvent(event: EventRecord, key: IdempotencyKey): Promise<string> {
      return (await records.recordEvent(event, key)).id;
    },

    async deleteEvent(key: string): Promise<void> {
      await records.deleteEventByKey(key, undoKey(key));
    },
  };
}
