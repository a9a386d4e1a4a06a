import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { OutgoingDelivery } from '../types';

/**
 * Fixtures are stored as the vendor sends them: `<name>.<ext>` holds the exact body bytes, in any
 * format (`.json`, `.txt` for a form body, ...), and an optional `<name>.headers.json` beside it
 * holds the headers the vendor sends that are not part of the signature (a handshake challenge, an
 * event id header, the content type). Signatures are added at test/send time. Nothing here parses a
 * body: only a JSON endpoint's own code does.
 */
const HEADERS_SUFFIX = '.headers.json';

/** A fixture's name: its file name without the extension (`order-paid.json` → `order-paid`). */
const stem = (file: string) => basename(file, extname(file));

function bodyFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.startsWith('.') && !e.name.endsWith(HEADERS_SUFFIX))
    .map((e) => e.name);
}

export function listFixtures(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return bodyFiles(dir).map(stem).sort();
}

export function loadFixture(dir: string, name: string): OutgoingDelivery {
  const files = bodyFiles(dir).filter((f) => stem(f) === name);
  if (files.length !== 1) throw new Error(`${dir}: ${files.length === 0 ? `no fixture "${name}"` : `several bodies for fixture "${name}" (${files.join(', ')})`}`);
  return loadMessageFile(join(dir, files[0]!));
}

/** A body file and, when present, its `.headers.json` sidecar. */
export function loadMessageFile(path: string): OutgoingDelivery {
  const body = readFileSync(path);
  const sidecar = join(dirname(path), stem(path) + HEADERS_SUFFIX);
  const headers = existsSync(sidecar) ? lowerCaseKeys(JSON.parse(readFileSync(sidecar, 'utf8')) as Record<string, string>) : {};
  return { body, headers, query: {} };
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
}
