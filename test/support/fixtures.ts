import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const SOURCES_DIR = resolve(__dirname, '..', '..', 'sources');

/** A fixture's exact bytes, as the vendor sends them. */
export function fixture(source: string, name: string): Buffer {
  return readFileSync(join(SOURCES_DIR, source, 'fixtures', name.endsWith('.json') ? name : `${name}.json`));
}

/** The same fixture with fields replaced (e.g. a fresh eventId), re-serialised. */
export function fixtureWith(source: string, name: string, patch: Record<string, unknown>): Buffer {
  return Buffer.from(JSON.stringify({ ...JSON.parse(fixture(source, name).toString('utf8')), ...patch }));
}

/**
 * A config-only endpoint (SOURCES_CONFIG entry) that trusts a bearer token and reads `id` and `type`
 * from the body: for tests about routing rather than signatures.
 */
export function bearerEndpoint(token: string, routes: Record<string, unknown>): Record<string, unknown> {
  return { kind: 'generic', scheme: 'token', secrets: [token], token: { header: 'authorization', scheme: 'Bearer' }, eventKey: 'body:id', eventType: 'body:type', routes };
}
