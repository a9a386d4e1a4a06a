import { RefusalError } from '../../core/errors';

/**
 * Errors the console's API answers with. Handlers throw these; only ./error-handler.ts turns them
 * into status codes, the way src/http/error-handler.ts does for deliveries.
 */
export abstract class OpsError extends RefusalError {}

/** No token, a malformed, expired or wrongly signed one, wrong issuer or audience: 401. */
export class OpsUnauthorizedError extends OpsError {
  readonly status = 401;
}

/** A valid token whose roles do not allow the action: 403. */
export class OpsForbiddenError extends OpsError {
  readonly status = 403;
}

/** A filter or body the API does not understand: 400. */
export class OpsBadRequestError extends OpsError {
  readonly status = 400;
}

/** No such saga or replay job: 404. */
export class OpsNotFoundError extends OpsError {
  readonly status = 404;
}

/** A replay that would start a second run of a completed or running saga, or a stale confirmation: 409. */
export class OpsConflictError extends OpsError {
  readonly status = 409;
}

/** The console has no key configured: 503, so nothing is served unauthenticated. */
export class OpsUnavailableError extends OpsError {
  readonly status = 503;
}

/**
 * A bulk action's confirmation: what the filter matches now must be what the dry run showed (else
 * 409, look again), and within the bulk limit (else 400, narrow the filter). `what`: "sagas", ….
 */
export function confirmBulk(what: string, { count, truncated }: { count: number; truncated: boolean }, expect: number, maxBulk: number): void {
  if (truncated) throw new OpsBadRequestError('too_many', `more than ${maxBulk} ${what} match: narrow the filter`, { max: maxBulk });
  if (count !== expect) throw new OpsConflictError('count_changed', `the filter now matches ${count} ${what}, not ${expect}: look again`, { count });
}

/** Ids of Redis stream entries (dead letters, refused requests, audit entries): `<ms>-<seq>`. */
export const STREAM_ENTRY_ID = /^\d{1,20}-\d{1,20}$/;

/** A stream entry id from a path, or 400 naming what it should look like. */
export function streamEntryId(raw: unknown, what: string): string {
  if (typeof raw !== 'string' || !STREAM_ENTRY_ID.test(raw)) throw new OpsBadRequestError('bad_request', `${what} id looks like 1700000000000-0`);
  return raw;
}
