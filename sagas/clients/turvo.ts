import { HttpClient, refusalStatus, type HttpClientOptions } from './http';

/**
 * Turvo (TMS). Turvo's API reference is behind a customer login, so the endpoints below are modelled
 * on its public shapes (shipments with stops and a status code) and kept behind this one client:
 * when the real paths are known, only this file changes.
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
  status: TurvoStatus;
  stops: TurvoStop[];
}

export interface StopStatusChange {
  previous: TurvoStatus;
  current: TurvoStatus;
}

export class TurvoClient {
  private readonly http: HttpClient;

  constructor(options: Omit<HttpClientOptions, 'service'>) {
    this.http = new HttpClient({ ...options, service: 'turvo' });
  }

  getShipment(shipmentId: string): Promise<TurvoShipment> {
    return this.http.get(`/shipments/${encodeURIComponent(shipmentId)}`);
  }

  /** Sets a stop's status; answers with the status it replaced. Idempotent on the key. */
  updateStopStatus(shipmentId: string, stopId: string, status: TurvoStatus, idempotencyKey: string): Promise<StopStatusChange> {
    return this.http.put(`/shipments/${encodeURIComponent(shipmentId)}/stops/${encodeURIComponent(stopId)}/status`, {
      body: status,
      idempotencyKey,
    });
  }

  /** The change made under an idempotency key, or undefined when none was made (404). */
  async findStopStatusChange(shipmentId: string, stopId: string, idempotencyKey: string): Promise<StopStatusChange | undefined> {
    try {
      return await this.http.get(
        `/shipments/${encodeURIComponent(shipmentId)}/stops/${encodeURIComponent(stopId)}/status-changes/${encodeURIComponent(idempotencyKey)}`,
      );
    } catch (err) {
      if (refusalStatus(err) === 404) return undefined;
      throw err;
    }
  }
}
