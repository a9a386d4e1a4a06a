import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { OutgoingDelivery } from '../types';

/**
 * Fixtures are stored as the vendor sends them: `<name>.json` holds the exact body, and an optional
 * `<name>.headers.json` beside it holds the headers the vendor sends that are not part of the
 * signature (a handshake challenge, an event id header). Signatures are added at test/send time.
 */
const HEADERS_SUFFIX = '.headers.json';

export function listFixtures(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !f.endsWith(HEADERS_SUFFIX))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

export function loadFixture(dir: string, name: string): OutgoingDelivery {
  return loadMessageFile(join(dir, `${name}.json`));
}

/** A body file and, when present, its `.headers.json` sidecar. */
export function loadMessageFile(path: string): OutgoingDelivery {
  const body = readFileSync(path);
  const sidecar = join(dirname(path), basename(path).replace(/\.json$/, '') + HEADERS_SUFFIX);
  const headers = existsSync(sidecar) ? lowerCaseKeys(JSON.parse(readFileSync(sidecar, 'utf8')) as Record<string, string>) : {};
  return { body, headers, query: {} };
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
}
