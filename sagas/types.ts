/** Delivery metadata every saga receives and keeps in its memo. Never secrets, never the raw body. */
export interface DeliveryMeta {
  source: string;
  eventKey: string;
  eventType: string;
  workflowId: string;
  /** ISO-8601 time the receiver got the delivery. */
  receivedAt: string;
  /** The vendor's id for the delivery attempt, when it sends one. */
  deliveryId?: string;
  /** The receiver's request id, to find the delivery in the logs. */
  requestId?: string;
}

/** Input of every saga started by the receiver. */
export interface SagaInput<E = unknown> {
  meta: DeliveryMeta;
  event: E;
}
