import type { SagaName } from '../../core/saga/registry';
import type { Decision, RouteTable } from '../types';

/** A code source's route table, typed: a misspelt saga name fails the type-check. */
export function routeTable(routes: { readonly [eventType: string]: SagaName }): RouteTable {
  return new Map(Object.entries(routes));
}

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
export function routeEvent(routes: RouteTable, { eventKey, eventType, input, deliveryId }: RoutedEvent): Decision {
  const saga = routes.get(eventType);
  if (!saga) return { action: 'ignore', eventType, eventKey, reason: 'no saga for this event type' };
  return { action: 'start', eventKey, eventType, saga, input, ...(deliveryId ? { deliveryId } : {}) };
}
