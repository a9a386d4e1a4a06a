import { HttpClient, seg, type HttpClientOptions } from './http';

/**
 * Samsara (https://developers.samsara.com/reference), read-only here. Modelled: Samsara produces a
 * document's PDF asynchronously (request a PDF, then fetch its download URL); this client stands
 * for that flow with one `GET /fleet/documents/{id}/pdf` that streams the bytes, so only this file
 * changes when the two-step flow is wired.
 */
export const DOCUMENT_DOWNLOAD_TIMEOUT_MS = 5 * 60_000;

export class SamsaraClient {
  private readonly http: HttpClient;

  constructor(options: Omit<HttpClientOptions, 'service'>) {
    this.http = new HttpClient({ ...options, service: 'samsara' });
  }

  /** The document's PDF as a streaming response (read it with heartbeats). */
  downloadDocumentPdf(documentId: string): Promise<Response> {
    return this.http.send('GET', `/fleet/documents/${seg(documentId)}/pdf`, {}, DOCUMENT_DOWNLOAD_TIMEOUT_MS);
  }
}
