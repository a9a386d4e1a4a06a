import type { Decision } from '../types';

export interface RoutedEvent {
  eventKey: string;
  eventType: string;
  /** The saga's input: the event as the vendor sent it (or the part the saga needs). */
  input: unknown;
  deliveryId?: string;
}

/**
 * The route-table lookup every source ends its `decide` with: the saga for this event type, or an
 * acknowledged "ignore" (200, logged) when no saga handles it.
 */
export function routeEvent(routes: Readonly<Record<string, string>>, { eventKey, eventType, input, deliveryId }: RoutedEvent): Decision {
  const saga = routes[eventType];
  if (!saga) return { action: 'ignore', eventType, eventKey, reason: 'no saga for this event type' };
  return { action: 'start', eventKey, eventType, saga, input, ...(deliveryId ? { deliveryId } : {}) };
}
