import type { Delivery, OutgoingDelivery } from '../types';

/** What the receiver would hand the adapter for this request, sent to `url` (origin and path; the query is the message's). */
export function asDelivery(d: OutgoingDelivery, receivedAt = new Date(), url = DEFAULT_URL): Delivery {
  const { origin, pathname } = new URL(url);
  const query = new URLSearchParams(d.query as Record<string, string>).toString();
  const request = { method: 'POST', origin, target: `${pathname}${query ? `?${query}` : ''}` };
  return { headers: { ...d.headers }, rawBody: d.body, query: { ...d.query }, request, receivedAt };
}

/** Where an in-process test's request goes, unless it says otherwise (SignOptions.url has the same default). */
export const DEFAULT_URL = 'http://localhost/';
