/**
 * Failure types a saga ends with when its own input can never succeed: no fix downstream cures
 * them, so a replay fails the same way. Thrown by the sagas and their activities, read by the
 * console, which keeps them out of bulk replay unless asked. Workflow-safe: no imports.
 */
export const PERMANENT_FAILURE = {
  /** A Samsara route stop without the Turvo shipment and stop it is about. */
  UnmappedRouteStop: 'UnmappedRouteStop',
  /** A Samsara document without the Turvo shipment it belongs to. */
  UnmappedDocument: 'UnmappedDocument',
  /** An event type the saga it was routed to does not handle. */
  UnsupportedEvent: 'UnsupportedEvent',
  /** An event without a field the saga cannot do without. */
  MalformedEvent: 'MalformedEvent',
  DocumentTooLarge: 'DocumentTooLarge',
  /** The event's stored bytes expired: nothing left to run it from. */
  EventPayloadMissing: 'EventPayloadMissing',
} as const;

export function isPermanentFailure(type: string | undefined): boolean {
  return type !== undefined && Object.hasOwn(PERMANENT_FAILURE, type);
}
