import type { SagaName } from '../../core/saga/registry';
import type { Decision, RouteTable } from '../types';

/**
 * A code source's route table, typed: a misspelt saga name fails the type-check. An event type names
 * one saga, or a list of them for a fan-out (`['turvoShipmentStatusSaga', 'recordEventSaga']`).
 */
export function routeTable(routes: { readonly [eventType: string]: SagaName | readonly SagaName[] }): RouteTable {
  return new Map(Object.entries(routes).map(([type, sagas]) => [type, typeof sagas === 'string' ? [sagas] : sagas]));
}

export interface RoutedEvent {
  eventKey: string;
  eventType: string;
  /** The saga's input: the event as the vendor sent it (or the part the saga needs). */
  input: unknown;
  deliveryId?: string;
}

/**
 * The route-table lookup every source ends its `decide` with: the sagas for this event type (those
 * `admits`, when a route filters), or an acknowledged "ignore" (200, logged) when none handles it.
 */
export function routeEvent(routes: RouteTable, { eventKey, eventType, input, deliveryId }: RoutedEvent, admits: (saga: SagaName) => boolean = () => true): Decision {
  const routed = routes.get(eventType);
  if (!routed) return { action: 'ignore', eventType, eventKey, reason: 'no saga for this event type' };
  const sagas = routed.filter(admits);
  if (sagas.length === 0) return { action: 'ignore', eventType, eventKey, reason: 'the route filter does not match' };
  return { action: 'start', eventKey, eventType, sagas, input, ...(deliveryId ? { deliveryId } : {}) };
}
