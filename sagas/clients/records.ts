import { HttpClient, refusalStatus, seg, type HttpClientOptions } from './http';
import type { TurvoStatus } from './turvo';

/**
 * The company's internal records API: which Front conversation and which customer contact belong
 * to a shipment, the history of shipment statuses, an event log and the archive of proof-of-delivery
 * documents. Ours to define; the sandbox implements it locally. Every write is idempotent on its key
 * and undone by that key.
 */
export interface ShipmentLinks {
  shipmentId: string;
  frontConversationId?: string;
  customerContact?: { name: string; email: string };
}

export interface EventRecord {
  source: string;
  eventType: string;
  eventKey: string;
  workflowId: string;
  receivedAt: string;
  /** The event as the vendor sent it (parsed): the records API is where events are kept. */
  event: unknown;
}

export interface ArchivedDocument {
  id: string;
  size: number;
  sha256: string;
}

export class RecordsClient {
  private readonly http: HttpClient;

  constructor(options: Omit<HttpClientOptions, 'service'>) {
    this.http = new HttpClient({ ...options, service: 'records' });
  }

  async getShipmentLinks(shipmentId: string): Promise<ShipmentLinks> {
    try {
      return await this.http.get(`/shipments/${seg(shipmentId)}/links`);
    } catch (err) {
      if (refusalStatus(err) === 404) return { shipmentId };
      throw err;
    }
  }

  /** Links a Front conversation to the shipment, replacing any earlier link (restored by the undo). */
  linkConversation(shipmentId: string, conversationId: string, idempotencyKey: string): Promise<ShipmentLinks> {
    return this.http.put(`/shipments/${seg(shipmentId)}/links/front-conversation`, { body: { conversationId }, idempotencyKey });
  }

  /** Reverses the link made under `stepKey`, putting back what was there before. */
  async unlinkConversationByKey(shipmentId: string, stepKey: string, idempotencyKey: string): Promise<void> {
    await this.http.delete(`/shipments/${seg(shipmentId)}/links/front-conversation`, { query: { idempotency_key: stepKey }, idempotencyKey });
  }

  recordShipmentStatus(shipmentId: string, entry: { status: TurvoStatus; source: string; at: string }, idempotencyKey: string): Promise<{ id: string }> {
    return this.http.post(`/shipments/${seg(shipmentId)}/status-history`, { body: entry, idempotencyKey });
  }

  /** Reverts the status entry recorded under `stepKey`. */
  async revertShipmentStatusByKey(shipmentId: string, stepKey: string, idempotencyKey: string): Promise<void> {
    await this.http.delete(`/shipments/${seg(shipmentId)}/status-history`, { query: { idempotency_key: stepKey }, idempotencyKey });
  }

  recordEvent(event: EventRecord, idempotencyKey: string): Promise<{ id: string }> {
    return this.http.post('/events', { body: event, idempotencyKey });
  }

  async deleteEventByKey(stepKey: string, idempotencyKey: string): Promise<void> {
    await this.http.delete('/events', { query: { idempotency_key: stepKey }, idempotencyKey });
  }

  archiveDocument(file: { name: string; shipmentId: string; contentType: string; bytes: Buffer }, idempotencyKey: string): Promise<ArchivedDocument> {
    return this.http.post('/documents', {
      query: { name: file.name, shipmentId: file.shipmentId },
      body: file.bytes,
      contentType: file.contentType,
      idempotencyKey,
    });
  }

  async readDocument(documentId: string): Promise<Buffer> {
    const response = await this.http.send('GET', `/documents/${seg(documentId)}/content`);
    return Buffer.from(await response.arrayBuffer());
  }
}
