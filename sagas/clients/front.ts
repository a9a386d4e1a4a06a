import { HttpClient, type HttpClientOptions } from './http';

/**
 * Front (core API, https://dev.frontapp.com/reference). Comments are created with
 * `POST /conversations/{id}/comments`. Front's public API has no comment deletion, so the undo
 * endpoint (`DELETE /comments/{id}`) is modelled here and kept behind this client.
 */
export interface FrontComment {
  id: string;
  body: string;
}

export class FrontClient {
  private readonly http: HttpClient;

  constructor(options: Omit<HttpClientOptions, 'service'>) {
    this.http = new HttpClient({ ...options, service: 'front' });
  }

  addComment(conversationId: string, body: string, idempotencyKey: string): Promise<FrontComment> {
    return this.http.post(`/conversations/${encodeURIComponent(conversationId)}/comments`, { body: { body }, idempotencyKey });
  }

  /** Deletes the comment created under an idempotency key; nothing to do when none was created. */
  async deleteCommentByKey(conversationId: string, idempotencyKey: string): Promise<void> {
    await this.http.delete(`/conversations/${encodeURIComponent(conversationId)}/comments`, { query: { idempotency_key: idempotencyKey } });
  }
}
