import { HttpClient, seg, type HttpClientOptions } from './http';

/**
 * Front core API (https://dev.frontapp.com/reference). Real: comments are created with
 * `POST /conversations/{id}/comments` and tags added with `POST /conversations/{id}/tags`
 * (`{tag_ids}`). Modelled (not in Front's public API, kept behind this client): the
 * `Idempotency-Key` header, deleting a comment, and removing exactly the tags a key added. In
 * production these go through a thin gateway of ours in front of Front; the sandbox implements them.
 * Tags are passed by id; the sagas use readable ids (`shipment-linked`) that the gateway maps.
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
    return this.http.post(`/conversations/${seg(conversationId)}/comments`, { body: { body }, idempotencyKey });
  }

  /** Deletes the comment created under `stepKey`; nothing to do when none was created. */
  async deleteCommentByKey(conversationId: string, stepKey: string, idempotencyKey?: string): Promise<void> {
    await this.http.delete(`/conversations/${seg(conversationId)}/comments`, { query: { idempotency_key: stepKey }, idempotencyKey });
  }

  async addTag(conversationId: string, tagId: string, idempotencyKey: string): Promise<void> {
    await this.http.post(`/conversations/${seg(conversationId)}/tags`, { body: { tag_ids: [tagId] }, idempotencyKey });
  }

  /** Removes the tags added under `stepKey` (never a tag the conversation already had). */
  async removeTagsByKey(conversationId: string, stepKey: string, idempotencyKey: string): Promise<void> {
    await this.http.delete(`/conversations/${seg(conversationId)}/tags`, { query: { idempotency_key: stepKey }, idempotencyKey });
  }
}
