import { createHash } from 'node:crypto';
import type { SagaName } from './saga/registry';

/**
 * The two forms an event key takes on Temporal: the workflow ID (dedup: one saga per key) and the
 * `EventKey` search attribute (finding it). Both must tell every two keys apart, and both must stay
 * within Temporal's limits whatever the vendor sent; the full key travels in the memo and the input.
 */

/** Keys made only of these characters, and not too long, are used as they are: readable in the UI. */
const SAFE_KEY = /^[A-Za-z0-9._@-]{1,128}$/;
/** The hashed form. A literal key of this shape is hashed too, so the two forms never meet. */
const HASH_FORM = /^sha256-[0-9a-f]{64}$/;

const LONE_SURROGATE = /(\p{Cs})/u;

/**
 * The key's bytes: UTF-8, except that a lone surrogate (a JSON `\ud800` escape decodes to one) is
 * written as its own three bytes (WTF-8) instead of U+FFFD, so no two JS strings share their bytes.
 * Well-formed keys get exactly their UTF-8 bytes, so their hashes are what they always were.
 */
export function keyBytes(key: string): Buffer {
  if (!LONE_SURROGATE.test(key)) return Buffer.from(key, 'utf8');
  const parts = key.split(LONE_SURROGATE);
  return Buffer.concat(
    parts.map((part, i) => {
      if (i % 2 === 0) return Buffer.from(part, 'utf8');
      const unit = part.charCodeAt(0);
      return Buffer.from([0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]);
    }),
  );
}

function sha256Hex(key: string): string {
  return createHash('sha256').update(keyBytes(key)).digest('hex');
}

/**
 * The workflow ID for an event: `<source>:<eventKey>`. The same event always maps to the same ID,
 * which is what makes Temporal reject a second saga for a redelivery. A key with other characters,
 * a long one, or one that looks like a hash form is replaced by `sha256-<hex of its bytes>`: the raw
 * and hashed spaces never overlap, so two different keys never share an ID. Source names have no `:`
 * and are at most 63 characters, so an ID stays far below Temporal's 1,000-byte limit.
 */
export function workflowIdFor(source: string, eventKey: string): string {
  return `${source}:${keyForm(eventKey)}`;
}

/** The key as a workflow ID carries it: itself, or `sha256-<hex>`. Neither form contains `/`. */
function keyForm(eventKey: string): string {
  return SAFE_KEY.test(eventKey) && !HASH_FORM.test(eventKey) ? eventKey : `sha256-${sha256Hex(eventKey)}`;
}

/**
 * The workflow ID of each saga one event starts (a fan-out route names several). The first keeps the
 * event's own ID, `<source>:<key>` as above, so a route that gains sagas keeps the IDs of the events
 * it already started; each further saga gets `<source>:<key form>/<saga>`. A key form has no `/` and
 * a saga name (a JS identifier, core/saga/registry.ts) has none either, so these never equal an event's own ID nor
 * each other for a different source, key or saga.
 */
export function sagaWorkflowIds(source: string, eventKey: string, sagas: readonly SagaName[]): { saga: SagaName; workflowId: string }[] {
  const form = keyForm(eventKey);
  return sagas.map((saga, i) => ({ saga, workflowId: i === 0 ? `${source}:${form}` : `${source}:${form}/${saga}` }));
}

/**
 * Characters a search value keeps as they are: printable, no quote or backslash (the console quotes
 * values into a visibility query), no lone surrogate, and not the long form's marker.
 */
const PLAIN = /^[^'"\\\p{Cc}\p{Cs}\u2026]*$/u;
const PLAIN_HEAD = /^[^'"\\\p{Cc}\p{Cs}\u2026]*/u;
/**
 * Temporal refuses a Keyword over 2 KB, and SQL visibility stores Keywords as VARCHAR(255). Lengths
 * are in UTF-16 units, never fewer than the characters a store counts.
 */
const MAX_PLAIN_LENGTH = 200;
/** A long key's search value begins with up to this many of its plain first characters (prefix search). */
export const SEARCH_PREFIX_LENGTH = 120;
const LONG_FORM_MARKER = '\u2026sha256:';

/**
 * The `EventKey` search attribute for a key: the key itself when it is plain and short (as before),
 * otherwise `<its first plain characters>…sha256:<hex of its bytes>`. A plain key never contains `…`,
 * so a key never equals another's long form; at most 192 UTF-16 units, within every store's limit.
 */
export function eventKeySearchValue(eventKey: string): string {
  if (eventKey.length <= MAX_PLAIN_LENGTH && PLAIN.test(eventKey)) return eventKey;
  // A pair cut in two at the limit leaves a lone surrogate, where the plain head stops.
  const head = PLAIN_HEAD.exec(eventKey.slice(0, SEARCH_PREFIX_LENGTH))![0];
  return `${head}${LONG_FORM_MARKER}${sha256Hex(eventKey)}`;
}

/** Whether a prefix search finds every key starting with `prefix`, short or long (see eventKeySearchValue). */
export function searchablePrefix(prefix: string): boolean {
  return prefix.length <= SEARCH_PREFIX_LENGTH && PLAIN.test(prefix);
}
