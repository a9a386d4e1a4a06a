import { FrontClient } from '../clients/front';
import { NotifyClient } from '../clients/notify';
import { RecordsClient } from '../clients/records';
import { TurvoClient, type TurvoStatus } from '../clients/turvo';

export interface Clients {
  turvo: TurvoClient;
  front: FrontClient;
  records: RecordsClient;
  notify: NotifyClient;
}

export interface DownstreamConfig {
  turvo: { baseUrl: string; token: string };
  front: { baseUrl: string; token: string };
  records: { baseUrl: string };
  notify: { baseUrl: string; token: string };
}

export function createClients(config: DownstreamConfig): Clients {
  return {
    turvo: new TurvoClient(config.turvo),
    front: new FrontClient(config.front),
    records: new RecordsClient(config.records),
    notify: new NotifyClient(config.notify),
  };
}

export interface StopRef {
  shipmentId: string;
  stopId: string;
}

/**
 * Activities, built from injected clients so tests and the sandbox can point them anywhere.
 * Undo activities are named as the inverse of their step.
 */
export function createActivities({ turvo, front, records, notify }: Clients) {
  return {
    async getShipmentLinks(shipmentId: string) {
      return records.getShipmentLinks(shipmentId);
    },

    async updateStopStatus(stop: StopRef, status: TurvoStatus, key: string) {
      const change = await turvo.updateStopStatus(stop.shipmentId, stop.stopId, status, key);
      return change.previous;
    },

    /** Safe when the update never happened: then Turvo holds no change under the key. */
    async restoreStopStatus(stop: StopRef, key: string, previous: TurvoStatus | undefined) {
      const before = previous ?? (await turvo.findStopStatusChange(stop.shipmentId, stop.stopId, key))?.previous;
      if (!before) return;
      await turvo.updateStopStatus(stop.shipmentId, stop.stopId, before, `${key}/undo`);
    },

    async addConversationComment(conversationId: string, body: string, key: string) {
      const comment = await front.addComment(conversationId, body, key);
      return comment.id;
    },

    async deleteConversationComment(conversationId: string, key: string) {
      await front.deleteCommentByKey(conversationId, key);
    },

    async notifyCustomer(to: string, subject: string, text: string, key: string) {
      const message = await notify.send(to, subject, text, key);
      return message.id;
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
