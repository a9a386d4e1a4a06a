import type { z } from 'zod';
import type { Readiness } from '../../src/http/health';
import type { WebhookAnswer } from '../../src/http/openapi';
import type { opsAnswers } from '../../src/ops/api-schemas';

/** The named keys of an object type (a loose object's index signature left out); a pure record keeps its index. */
type Named<T> = keyof { [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K] };
type KeysOf<U> = U extends unknown ? ([Named<U>] extends [never] ? keyof U : Named<U>) : never;
type ValueAt<U, K extends PropertyKey> = U extends unknown ? (K extends keyof U ? U[K] : never) : never;
type Arrays<T> = Extract<T, readonly unknown[]>;
type Objects<T> = Exclude<Extract<T, object>, readonly unknown[]>;

/**
 * A parsed JSON answer as a test reads it: one type with the fields of every answer the endpoint
 * documents (src/http/openapi.ts, src/ops/api-schemas.ts), in nested objects and arrays alike, each
 * read as present. A field the answer at hand lacks is undefined at run time: the test's assertions
 * say which answer it expects. What it buys over `any`: a misspelt or undocumented field does not
 * compile.
 */
export type Answer<T> =
  | Exclude<T, object | undefined>
  | ([Arrays<T>] extends [never] ? never : Answer<Arrays<T>[number]>[])
  | ([Objects<T>] extends [never] ? never : { [K in KeysOf<Objects<T>>]: Answer<ValueAt<Objects<T>, K>> });

/** A refusal of either boundary: `{ error, ...details }` (src/http/error-handler.ts, src/ops/error-handler.ts). */
interface Refusal {
  error: string;
  message?: string;
  reason?: string;
  /** The console's: the request field refused. */
  field?: string;
}

/** What the receiver answers to a POST: a webhook's answers (a handshake included) or a refusal. */
export type WebhookJson = Answer<WebhookAnswer | Refusal | { ok: true } | { challenge: string }>;

/** GET /readyz. */
export type ReadinessJson = Answer<Readiness>;

/** What the console API answers (and the codec endpoint, Temporal's payloads protocol). */
export type OpsJson = Answer<z.infer<(typeof opsAnswers)[keyof typeof opsAnswers]> | Refusal | { payloads: { metadata: { encoding: string }; data: string }[] }>;

/** An answer's body parsed as JSON and read through T (a view for the test's assertions, not a check); `otherwise` when it is not JSON. */
export function parseAnswer<T>(text: string, otherwise: unknown): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return otherwise as T;
  }
}
