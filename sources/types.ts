import type { IncomingHttpHeaders } from 'node:http';
import type { SagaName } from '../core/saga/registry';

/** One HTTP delivery as the receiver got it, before anything is trusted. */
export interface Delivery {
  /** Lower-cased header names; a header sent more than once is an array of every copy (read through kit/headers.ts). */
  readonly headers: IncomingHttpHeaders;
  /** The exact bytes received: signatures are checked on these, never on re-serialised JSON. */
  readonly rawBody: Buffer;
  readonly query: Readonly<Record<string, string | undefined>>;
  /** How it was called: for schemes that sign the method, the URL, the path or the raw query. */
  readonly request: RequestLine;
  readonly receivedAt: Date;
}

export interface RequestLine {
  readonly method: string;
  /** `<scheme>://<host>` as the receiver saw it (forwarded values only from proxies TRUST_PROXY trusts). */
  readonly origin: string;
  /** The path and raw query exactly as sent (`/webhooks/acme?b=2&a=1`). */
  readonly target: string;
}

/**
 * Event type → the sagas it starts: usually one; several is a fan-out, each saga its own workflow
 * (core/workflow-id.ts sagaWorkflowIds), none twice. A Map, so a vendor's event type `constructor` or
 * `__proto__` finds nothing.
 */
export type RouteTable = ReadonlyMap<string, readonly SagaName[]>;

/** A header (lower case) or a query parameter that carries a credential. */
export type CredentialLocation = { readonly header: string } | { readonly query: string };

/** What the receiver should do with a verified delivery. */
export type Decision =
  /** Start (or dedup) this event's sagas. */
  | {
      readonly action: 'start';
      /** Stable across redeliveries of the same event: the workflow IDs are derived from it. */
      readonly eventKey: string;
      readonly eventType: string;
      /**
       * Sagas the worker registers (core/saga/registry.ts), at least one, in the route's order: the
       * first gets the event's own workflow ID, the others one each (core/workflow-id.ts sagaWorkflowIds).
       */
      readonly sagas: readonly SagaName[];
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
  /** Event type → sagas (workflow types). Types not listed are answered 200 and logged. */
  readonly routes?: RouteTable;
  /**
   * Where this endpoint reads a static credential (a bearer or Basic token, an API key in a header or
   * the query): a refused request kept for the console has these redacted (src/intake/refused.ts), so
   * it cannot be re-verified. Signatures are not credentials: they prove one body, and are kept.
   */
  readonly credentials?: readonly CredentialLocation[];
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

/** Every endpoint's configuration carries at least its name (the `:source` in the URL). */
export interface SourceConfig {
  readonly name: string;
}

/**
 * A kind of source, as listed in the registry: reads its endpoints' configuration, builds their
 * adapters, and carries the sender kit that the sender CLI and the contract suite use.
 */
export interface SourceDefinition<C extends SourceConfig = SourceConfig> {
  /** The kind's name; also the endpoint name of a source configured by environment variables. */
  readonly name: string;
  /**
   * The environment variables this kind reads, each documented in .env.example under a comment
   * (test/sources/env-documented.test.ts checks every kind's). Config-only kinds read SOURCES_CONFIG.
   */
  readonly variables: readonly string[];
  /**
   * The endpoints of this kind the environment configures. A vendor source gives exactly one (its
   * variables may be blank: the endpoint then refuses everything). A config-only kind gives one per
   * entry of SOURCES_CONFIG with its `kind`. Throws an Error naming the variable or field.
   */
  configure(env: NodeJS.ProcessEnv): C[];
  create(config: C): SourceAdapter;
  readonly sender: SenderKit<C>;
}

/**
 * A definition whose config type is not known here: the registry holds kinds with different configs.
 * `C` is both read and written through the definition, so no narrower type than `any` admits them all.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySourceDefinition = SourceDefinition<any>;

/** A request as a sender makes it: what the sender CLI posts and the contract suite replays. */
export interface OutgoingDelivery {
  readonly body: Buffer;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
}

export interface SignOptions {
  /** The signing time (timestamps, token issue times). */
  readonly now: Date;
  /** Key to sign with: a secret, or a private key (PEM) for asymmetric schemes. Default: the config's first secret. */
  readonly key?: string;
  /** This attempt's id, for schemes that send one (it differs between retries of one event). */
  readonly deliveryId?: string;
  /**
   * Where the request goes (origin and path, no query), for a scheme that signs the URL as the
   * receiver sees it (`publicUrl: "request"`). Default http://localhost/, what an in-process test hands the adapter.
   */
  readonly url?: string;
}

/** A way to spoil a correctly signed delivery, and the reason the adapter must refuse it with. */
export interface Tampering {
  readonly name: string;
  readonly reason: string;
  apply(delivery: OutgoingDelivery): OutgoingDelivery;
}

/** Signing times the adapter must refuse, where the scheme signs a time. */
export interface ReplayWindow {
  /** Signed longer ago than this: refused with `staleReason`. */
  readonly staleAfterSeconds: number;
  /** Signed further ahead than this: refused with `futureReason`. */
  readonly futureAfterSeconds: number;
  readonly staleReason: string;
  readonly futureReason: string;
}

/** A configuration the contract suite checks a source under (one per signing mode). */
export interface ContractExample {
  readonly label: string;
  /** Environment that configures the source, as an operator would set it. */
  readonly env: NodeJS.ProcessEnv;
  /** Signing key, when the configuration only holds the verifying one (asymmetric JWT). */
  readonly signingKey?: string;
}

/**
 * What a sender needs to produce this source's deliveries: used by the sender CLI (scripts/send.ts)
 * and the contract suite (test/contract/), never by the receiver.
 */
export interface SenderKit<C extends SourceConfig = SourceConfig> {
  /**
   * Folder of this endpoint's fixtures: `<name>.<ext>` bodies exactly as the vendor sends them (any
   * format), and `<name>.headers.json` beside them for headers that are not part of the signature
   * (sources/sender/fixtures.ts). A declared endpoint may name its own folder (`fixtures`). A function of
   * the config because some vendors send other bodies in other modes (FrontApp app vs rule webhooks).
   */
  fixturesDir(config: C): string;
  /** Configurations to run the contract suite under. Keys are generated here, never committed. */
  examples(): ContractExample[];
  /** Adds the headers (or query) that make `message` a valid delivery for this endpoint. */
  sign(message: OutgoingDelivery, config: C, options: SignOptions): OutgoingDelivery;
  /** The same event type with a new event identity: `unique` makes the new event key differ from every other. */
  fresh(message: OutgoingDelivery, config: C, unique: string): OutgoingDelivery;
  /** A key of the right form that this endpoint does not accept, and the reason it is refused with. */
  wrongKey(config: C): { key: string; reason: string };
  /** Ways to spoil a delivery signed with `key` at `now`, each with its reason. */
  tamperings(config: C, signed: { key: string; now: Date }): Tampering[];
  replayWindow(config: C): ReplayWindow | undefined;
}
