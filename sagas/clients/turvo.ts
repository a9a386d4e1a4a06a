import { HttpClient, refusalStatus, seg, type HttpClientOptions } from './http';

/**
 * Turvo (TMS). Turvo's API reference is behind a customer login, so the endpoints below are modelled
 * on its public shapes (shipments with a customId, stops and a status `code{key,value}`) and kept
 * behind this one client: when the real paths are known, only this file changes. The sandbox
 * (sandbox/) implements exactly these.
 */
export interface TurvoStatus {
  code: { key: string; value: string };
}

export interface TurvoStop {
  id: string;
  status: TurvoStatus;
}

export interface TurvoShipment {
  id: string;
  customId: string;
  loadNumber?: string;
  status: TurvoStatus;
  stops: TurvoStop[];
}

export interface StatusChange {
  previous: TurvoStatus;
  current: TurvoStatus;
}
export interface TurvoAttachment {
  id: string;
  name: string;
  size: number;
}

export interface ShipmentSearch {
  customId?: string;
  loadNumber?: string;
}

export class TurvoClient {
  private readonly http: HttpClient;

  constructor(options: Omit<HttpClientOptions, 'service'>) {
    this.http = new HttpClient({ ...options, service: 'turvo' });
  }

  getShipment(shipmentId: string): Promise<TurvoShipment> {
    return this.http.get(`/shipments/${seg(shipmentId)}`);
  }

  /** The shipment with this id, or undefined when Turvo has none (404). */
  async findShipment(shipmentId: string): Promise<TurvoShipment | undefined> {
    return orUndefinedOn404(() => this.getShipment(shipmentId));
  }

  /** Shipments matching a customer reference (customId such as `S-1001`, or a load number). */
  async searchShipments(search: ShipmentSearch): Promise<TurvoShipment[]> {
    const found = await this.http.get<{ shipments: TurvoShipment[] }>('/shipments', { query: { ...search } });
    return found.shipments;
  }

  /** Sets a stop's status; answers with the status it replaced. Idempotent on the key. */
  updateStopStatus(shipmentId: string, stopId: string, status: TurvoStatus, idempotencyKey: string): Promise<StatusChange> {
    return this.http.put(`/shipments/${seg(shipmentId)}/stops/${seg(stopId)}/status`, { body: status, idempotencyKey });
  }

  /** The stop change made under an idempotency key, or undefined when none was made (404). */
  findStopStatusChange(shipmentId: string, stopId: string, idempotencyKey: string): Promise<StatusChange | undefined> {
    return orUndefinedOn404(() => this.http.get(`/shipments/${seg(shipmentId)}/stops/${seg(stopId)}/status-changes/${seg(idempotencyKey)}`));
  }

  /** Sets the shipment's own status (e.g. Delivered); answers with the status it replaced. */
  updateShipmentStatus(shipmentId: string, status: TurvoStatus, idempotencyKey: string): Promise<StatusChange> {
    return this.http.put(`/shipments/${seg(shipmentId)}/status`, { body: status, idempotencyKey });
  }

  findShipmentStatusChange(shipmentId: string, idempotencyKey: string): Promise<StatusChange | undefined> {
    return orUndefinedOn404(() => this.http.get(`/shipments/${seg(shipmentId)}/status-changes/${seg(idempotencyKey)}`));
  }

  /** Uploads a document to the shipment. Modelled as one raw-bytes request with the file name in the query. */
  attachDocument(shipmentId: string, file: { name: string; contentType: string; bytes: Buffer }, idempotencyKey: string): Promise<TurvoAttachment> {
    return this.http.post(`/shipments/${seg(shipmentId)}/attachments`, {
      query: { name: file.name },
      body: file.bytes,
      contentType: file.contentType,
      idempotencyKey,
    });
  }

  /** Deletes the attachment uploaded under `stepKey`; nothing to do when none was. */
  async deleteAttachmentByKey(shipmentId: string, stepKey: string, idempotencyKey: string): Promise<void> {
    await this.http.delete(`/shipments/${seg(shipmentId)}/attachments`, { query: { idempotency_key: stepKey }, idempotencyKey });
  }
}

async function orUndefinedOn404<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (err) {
    if (refusalStatus(err) === 404) return undefined;
    throw err;
  }
}
