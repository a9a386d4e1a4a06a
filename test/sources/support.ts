import { WebhookVerificationError } from '../../core/errors';
import type { Delivery, OutgoingDelivery } from '../../sources/types';

/** What the receiver would hand an adapter for this request. */
export function delivery(d: OutgoingDelivery | { body: Buffer | string; headers: Record<string, string | string[]>; query?: Record<string, unknown> }, receivedAt = new Date()): Delivery {
  return { headers: { ...d.headers }, rawBody: Buffer.from(d.body), query: { ...(d.query ?? {}) } as Delivery['query'], receivedAt };
}

/** 'accepted', or the reason a verification error gave. Any other error escapes. */
export function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof WebhookVerificationError) return err.reason;
    throw err;
  }
  return 'accepted';
}
