import { WebhookVerificationError } from '../../core/errors';
import { asDelivery } from '../../sources/sender/request';
import type { Delivery, OutgoingDelivery } from '../../sources/types';

/** What the receiver would hand an adapter for this request. */
export function delivery(d: OutgoingDelivery | { body: Buffer | string; headers: Record<string, string | string[]>; query?: Record<string, string | string[]> }, receivedAt = new Date(), url?: string): Delivery {
  const message = { body: Buffer.from(d.body), headers: {}, query: (d.query ?? {}) as Record<string, string> };
  return { ...asDelivery(message, receivedAt, url), headers: { ...d.headers } };
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
