import { undoKey, type IdempotencyKey } from '../../core/saga/keys';
import type { Clients } from '../clients';
import type { ArchivedFile } from './document-activities';
import type { TurvoShipment, TurvoStatus } from '../clients/turvo';

export interface StopRef {
  shipmentId: string;
  stopId: string;
}

/** A shipment reference found in a customer's message (sagas/workflows/front-inbound.ts). */
export interface ShipmentRef {
  kind: 'customId' | 'loadNumber' | 'shipmentId';
  value: string;
}

export interface ShipmentMatch {
  shipmentId: string;
  customId: string;
  matchedBy: ShipmentRef;
}

function match(shipment: TurvoShipment, ref: ShipmentRef): ShipmentMatch {
  return { shipmentId: shipment.id, customId: shipment.customId, matchedBy: ref };
}

/** Turvo activities: stops, shipment status, attachments, lookups. Undos are named as inverses. */
export function createShipmentActivities({ turvo, records }: Pick<Clients, 'turvo' | 'records'>) {
  return {
    async updateStopStatus(stop: StopRef, status: TurvoStatus, key: IdempotencyKey): Promise<TurvoStatus> {
      const change = await turvo.updateStopStatus(stop.shipmentId, stop.stopId, status, key);
      return change.previous;
    },

    /** Safe when the update never happened: then Turvo holds no change under the key. */
    async restoreStopStatus(stop: StopRef, key: string, previous: TurvoStatus | undefined): Promise<void> {
      const before = previous ?? (await turvo.findStopStatusChange(stop.shipmentId, stop.stopId, key))?.previous;
      if (!before) return;
      await turvo.updateStopStatus(stop.shipmentId, stop.stopId, before, undoKey(key));
    },

    async updateShipmentStatus(shipmentId: string, status: TurvoStatus, key: IdempotencyKey): Promise<TurvoStatus> {
      const change = await turvo.updateShipmentStatus(shipmentId, status, key);
      return change.previous;
    },

    async restoreShipmentStatus(shipmentId: string, key: string, previous: TurvoStatus | undefined): Promise<void> {
      const before = previous ?? (await turvo.findShipmentStatusChange(shipmentId, key))?.previous;
      if (!before) return;
      await turvo.updateShipmentStatus(shipmentId, before, undoKey(key));
    },

    /** Uploads an archived document (see downloadDocument) to the shipment; answers the attachment id. */
    async attachDocument(shipmentId: string, file: ArchivedFile, key: IdempotencyKey): Promise<string> {
      const bytes = await records.readDocument(file.id);
      const attachment = await turvo.attachDocument(shipmentId, { name: file.name, contentType: file.contentType, bytes }, key);
      return attachment.id;
    },

    async deleteAttachment(shipmentId: string, key: string): Promise<void> {
      await turvo.deleteAttachmentByKey(shipmentId, key, undoKey(key));
    },

    /** The first shipment a reference names, tried in the order given; null when none matches. */
    async findShipment(refs: ShipmentRef[]): Promise<ShipmentMatch | null> {
      for (const ref of refs) {
        if (ref.kind === 'shipmentId') {
          const shipment = await turvo.findShipment(ref.value);
          if (shipment) return match(shipment, ref);
          continue;
        }
        const [first] = await turvo.searchShipments({ [ref.kind]: ref.value });
        if (first) return match(first, ref);
      }
      return null;
    },
  };
}
