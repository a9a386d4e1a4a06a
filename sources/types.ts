import type { IncomingHttpHeaders } from 'node:http';

/** One HTTP delivery as the receiver got it, before anything is trusted. */
export interface Delivery {
  /** Lower-cased header names, as Node gives them. */
  readonly headers: IncomingHttpHeaders;
  /** The exact bytes received: signatures are checked on these, never on re-serialised JSON. */
  readonly rawBody: Buffer;
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly receivedAt: Date;
}

/** What the receiver should do with a verified delivery. */
export type Decision =
  /** Start (or dedup) a saga for this event. */
  | {
      readonly action: 'start';
      /** Stable across redeliveries of the same event: the workflow ID is derived from it. */
      readonly eventKey: string;
      readonly eventType: string;
      /** Workflow type name exported from sagas/workflows.ts. */
      readonly saga: string;
      /** Saga input: the event (or the part of it the saga needs). Never secrets. */
      readonly input: unknown;
      /** The vendor's id for this delivery attempt, when it sends one (differs between retries). */
      readonly deliveryId?: string;
    }
  /** Verified, understood, but no saga handles it: answered 200 and logged. */
  | { readonly action: 'ignore'; readonly eventType: string; readonly eventKey?: string; readonly reason: string }
  /** Answer directly without starting anything (handshakes, pings). */
  | {
      readonly action: 'respond';
      readonly status: number;
      readonly body: string | Record<string, unknown>;
      readonly contentType?: string;
      readonly eventType?: string;
    };

/** A configured source: one per endpoint `/webhooks/:name`. */
export interface SourceAdapter {
  readonly name: string;
  /**
   * Content types this source sends (media type only, lower case). A delivery with another type is
   * refused with 415 before verification. Omit to accept any.
   */
  readonly contentTypes?: readonly string[];
  /**
   * Checks authenticity on the exact raw bytes. Throws WebhookVerificationError with a reason.
   * Must fail closed: no secret configured means nothing verifies.
   */
  verify(delivery: Delivery, now: Date): void;
  /**
   * Parses a verified delivery and decides what to do. Throws MalformedPayloadError when the body
   * is not what this source sends.
   */
  decide(delivery: Delivery): Decision;
}

/** A kind of source, as listed in the registry: builds adapters from configuration. */
export interface SourceDefinition<C = unknown> {
  /** Default endpoint name, e.g. `samsara`. */
  readonly name: string;
  /** Reads this source's configuration from the environment; throws an Error naming the variable. */
  configFromEnv(env: NodeJS.ProcessEnv): C;
  create(config: C): SourceAdapter;
}
