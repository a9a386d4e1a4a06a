import { HttpClient, refusalStatus, type HttpClientOptions } from './http';

/**
 * The company's internal records API: which Front conversation and which customer contact belong
 * to a shipment. Ours to define; the sandbox implements it locally.
 */
export interface ShipmentLinks {
  shipmentId: string;
  frontConversationId?: string;
  customerContact?: { name: string; email: string };
}

export class RecordsClient {
  private readonly http: HttpClient;

  constructor(options: Omit<HttpClientOptions, 'service'>) {
    this.http = new HttpClient({ ...options, service: 'records' });
  }

  async getShipmentLinks(shipmentId: string): Promise<ShipmentLinks> {
    try {
      return await this.http.get(`/shipments/${encodeURIComponent(shipmentId)}/links`);
    } catch (err) {
      if (refusalStatus(err) === 404) return { shipmentId };
      throw err;
    }
  }
}
