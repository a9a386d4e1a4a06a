/** The saga contract: what the receiver starts a saga with (the event, or a reference to a stored one). Workflow-safe: types only. */

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

/** Where a large event was put instead of the workflow input (a PayloadStore). */
export interface EventRef {
  store: string;
  key: string;
  bytes: number;
  sha256: string;
}

/** A saga input whose event was too large to carry: the receiver stored it and passes a reference. */
export interface SagaInputRef {
  meta: DeliveryMeta;
  eventRef: EventRef;
}

/** What a saga started by the receiver is given: the event itself, or a reference to it. */
export type SagaArgs<E = unknown> = SagaInput<E> | SagaInputRef;

export function isEventRef(input: SagaArgs): input is SagaInputRef {
  return 'eventRef' in input && input.eventRef !== undefined;
}

/**
 * Where events too large for a workflow input are kept; the saga gets an EventRef instead. Keys
 * are the content's SHA-256, so a redelivery rewrites the same bytes and a reader can check them.
 * Another store (S3, GCS) implements the same two methods.
 */
export interface PayloadStore {
  readonly name: string;
  put(bytes: Buffer): Promise<EventRef>;
  /** The stored bytes, or undefined when they expired or were never stored. */
  get(ref: EventRef): Promise<Buffer | undefined>;
}
