import type { Redis } from 'ioredis';
import type { EventRef, PayloadStore } from '../../core/saga/input';
import type { CredentialLocation, Delivery } from '../../sources/types';
import type { Logger } from '../logger';
import { refusedKept, refusedNotKept } from '../metrics';
import type { DependencyState } from './health-state';
import { execAll } from './outbox';
import { sha256Hex } from './payload-store';
import { redisKeys } from './redis';
import type { Sealer } from './sealing';

/**
 * Requests the receiver refused after reading their body (400, 401, 415) or verified but routed to no
 * saga (200 ignored), kept so that an operator can re-process them after the fix (a rotated secret,
 * a new route, a content type): src/ops/refused.ts. Kept in `<prefix>refused` (one stream entry of
 * metadata each) and `<prefix>refused:bodies` (the raw bytes by entry id), bounded by count
 * (REFUSED_MAX_ENTRIES, the oldest deleted on each write), age (REFUSED_MAX_AGE_HOURS: older entries
 * are deleted on write and never listed) and size (a body over REFUSED_INLINE_BODY_BYTES is kept by
 * reference in the payload store when its request was verified, else not kept, which the entry says).
 *
 * No secret is kept: the headers and query parameters the source reads as credentials (a bearer or
 * Basic token, an API key) and the usual credential headers are replaced with `[redacted]`; a request
 * whose own credential was redacted cannot be re-verified, and says so. Signatures are kept.
 *
 * Keeping is never on the answer's path: the receiver answers first; a write that fails (Redis down)
 * is counted and logged once; one write at a time and at most MAX_WAITING waiting, so a flood of
 * forgeries costs bounded memory and never queues more than one write ahead of genuine work. Requests refused before their body is read (404, 408, 413, 429, 431) are not
 * kept: they are only counted (webhook_rejections_total).
 */

/** Bodies up to this size live beside the entry; larger ones go to the payload store (verified) or are not kept. */
export const REFUSED_INLINE_BODY_BYTES = 16 * 1024;
/** Requests waiting to be written, at most (their bodies are in memory meanwhile). */
const MAX_WAITING = 32;
/** Always redacted, whichever source reads them. */
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'x-api-key'];
export const REDACTED = '[redacted]';
const PAGE = 500;

export type RefusedKind = 'refused' | 'unrouted';

/** Where the body is: beside the entry, in the payload store, or not kept (too large for a request that was not verified). */
export type KeptBody = { bytes: number; sha256: string } & ({ kept: 'inline' } | { kept: 'reference'; ref: EventRef } | { kept: 'no'; why: string });

export interface RefusedRequest {
  id: string;
  source: string;
  kind: RefusedKind;
  /** What the vendor was answered: 400, 401, 415, or 200 for an unrouted event. */
  status: number;
  /** The refusal code (`signature_mismatch`, `malformed_json`, …) or `unrouted`. */
  reason: string;
  eventType?: string;
  receivedAt: string;
  requestId: string;
  client: string;
  /** Whether the signature (or token) held when it arrived: true for 400 after verification and for unrouted events. */
  verified: boolean;
  method: string;
  origin: string;
  /** Path and raw query as sent, credentials in the query redacted. */
  target: string;
  headers: Record<string, string | string[]>;
  query: Record<string, string | string[]>;
  /** What was redacted: `header:authorization`, `query:token`. */
  redacted: string[];
  /** False when a credential the source verifies with was redacted: re-verifying is impossible. */
  reverifiable: boolean;
  body: KeptBody;
}

export interface RefusedFilter {
  source?: string;
  reason?: string;
  /** ISO-8601 bounds on the receipt time. */
  from?: string;
  to?: string;
}

export interface KeepRequest {
  source: { name: string; credentials?: readonly CredentialLocation[] };
  delivery: Delivery;
  kind: RefusedKind;
  status: number;
  reason: string;
  eventType?: string;
  requestId: string;
  client: string;
  verified: boolean;
}

/** The headers, query and target with credentials replaced, and what was replaced. */
export function redact(delivery: Delivery, credentials: readonly CredentialLocation[] = []) {
  const own = new Set(credentials.map((c) => ('header' in c ? `header:${c.header.toLowerCase()}` : `query:${c.query}`)));
  const redacted: string[] = [];
  // No prototype: names are the sender's (a header called __proto__ is kept like any other).
  const headers: Record<string, string | string[]> = Object.create(null);
  for (const [name, value] of Object.entries(delivery.headers)) {
    if (value === undefined) continue;
    const secret = CREDENTIAL_HEADERS.includes(name) || own.has(`header:${name}`);
    if (secret) redacted.push(`header:${name}`);
    headers[name] = secret ? (Array.isArray(value) ? value.map(() => REDACTED) : REDACTED) : value;
  }
  const query: Record<string, string | string[]> = Object.create(null);
  for (const [name, value] of Object.entries(delivery.query)) {
    if (value === undefined) continue;
    const secret = own.has(`query:${name}`);
    if (secret) redacted.push(`query:${name}`);
    query[name] = secret ? REDACTED : value;
  }
  const [path, raw] = splitOnce(delivery.request.target, '?');
  const target =
    raw === undefined
      ? path
      : `${path}?${raw
          .split('&')
          .map((pair) => {
            const [name] = splitOnce(pair, '=');
            return own.has(`query:${safeDecode(name)}`) ? `${name}=${REDACTED}` : pair;
          })
          .join('&')}`;
  return { headers, query, target, redacted, reverifiable: !redacted.some((r) => own.has(r)) };
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const i = text.indexOf(separator);
  return i < 0 ? [text, undefined] : [text.slice(0, i), text.slice(i + 1)];
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/**
 * Appends an entry and its body, then deletes the oldest beyond the count and those past the age,
 * with their bodies; both keys expire when nothing is written for the whole age. One script, so a
 * trim never leaves a body without its entry.
 */
const KEEP_SCRIPT = `
local id = redis.call('XADD', KEYS[1], '*', 'entry', ARGV[1])
if ARGV[2] ~= '' then redis.call('HSET', KEYS[2], id, ARGV[2]) end
local function drop(entries)
  for _, e in ipairs(entries) do
    redis.call('XDEL', KEYS[1], e[1])
    redis.call('HDEL', KEYS[2], e[1])
  end
end
local excess = redis.call('XLEN', KEYS[1]) - tonumber(ARGV[3])
if excess > 0 then drop(redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', excess)) end
drop(redis.call('XRANGE', KEYS[1], '-', '(' .. ARGV[4], 'COUNT', 100))
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return id`;

type Stored = Omit<RefusedRequest, 'id'>;

function parse(id: string, fields: string[]): RefusedRequest | undefined {
  const i = fields.indexOf('entry');
  try {
    return i >= 0 ? { id, ...(JSON.parse(fields[i + 1]!) as Stored) } : undefined;
  } catch {
    return undefined;
  }
}

const matches = (r: RefusedRequest, f: RefusedFilter) => (!f.source || r.source === f.source) && (!f.reason || r.reason === f.reason);

export class RefusedRequests {
  private readonly stream: string;
  private readonly bodies: string;
  private readonly waiting: KeepRequest[] = [];
  private writing = false;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    readonly limits: { maxEntries: number; maxAgeMs: number },
    private readonly payloads: PayloadStore,
    /** Inline bodies are kept encrypted, like everything vendors sent (src/intake/sealing.ts). */
    private readonly sealing: Sealer,
    private readonly state: DependencyState,
    private readonly logger: Logger,
  ) {
    const keys = redisKeys(prefix);
    this.stream = keys.refused;
    this.bodies = keys.refusedBodies;
  }

  /** Keeps the request; resolves to its id (undefined when retention is off). Throws when Redis does not take it. */
  async keep(request: KeepRequest): Promise<string | undefined> {
    if (this.limits.maxEntries === 0) return undefined;
    const { delivery } = request;
    const { rawBody } = delivery;
    const sha256 = sha256Hex(rawBody);
    let body: KeptBody = { kept: 'inline', bytes: rawBody.length, sha256 };
    if (rawBody.length > REFUSED_INLINE_BODY_BYTES) {
      // A forgery must not fill the payload store: only a body whose signature held is kept by reference.
      body = request.verified
        ? { kept: 'reference', ref: await this.payloads.put(rawBody), bytes: rawBody.length, sha256 }
        : { kept: 'no', why: `over ${REFUSED_INLINE_BODY_BYTES} bytes and not verified`, bytes: rawBody.length, sha256 };
    }
    const { headers, query, target, redacted, reverifiable } = redact(delivery, request.source.credentials);
    const stored: Stored = {
      source: request.source.name,
      kind: request.kind,
      status: request.status,
      reason: request.reason,
      ...(request.eventType === undefined ? {} : { eventType: request.eventType }),
      receivedAt: delivery.receivedAt.toISOString(),
      requestId: request.requestId,
      client: request.client,
      verified: request.verified,
      method: delivery.request.method,
      origin: delivery.request.origin,
      target,
      headers,
      query,
      redacted,
      reverifiable,
      body,
    };
    const now = Date.now();
    const id = (await this.redis.eval(
      KEEP_SCRIPT,
      2,
      this.stream,
      this.bodies,
      JSON.stringify(stored),
      body.kept === 'inline' ? this.sealing.seal(rawBody) : '',
      String(this.limits.maxEntries),
      String(now - this.limits.maxAgeMs),
      String(this.limits.maxAgeMs),
    )) as string;
    refusedKept.inc({ source: request.source.name, kind: request.kind });
    return id;
  }

  /**
   * Keeps the request without making anyone wait: the caller has answered (or is answering) the
   * vendor already. One write at a time, after the current turn of the event loop, so that at most
   * one of them is ever queued on the shared connection ahead of a delivery's own Redis commands;
   * past MAX_WAITING waiting, or when the write fails, the request is counted, never thrown.
   */
  keepInBackground(request: KeepRequest): void {
    if (this.limits.maxEntries === 0) return;
    if (this.waiting.length >= MAX_WAITING) {
      refusedNotKept.inc({ why: 'busy' });
      return;
    }
    this.waiting.push(request);
    if (this.waiting.length === 1 && !this.writing) setImmediate(() => void this.drain());
  }

  private async drain(): Promise<void> {
    this.writing = true;
    for (let request = this.waiting.shift(); request; request = this.waiting.shift()) {
      try {
        await this.keep(request);
        this.state.recovered('redis');
      } catch (err) {
        refusedNotKept.inc({ why: 'redis' });
        this.state.failed('redis', err, 'refused requests are not kept (counted in webhook_refused_not_kept_total)');
        this.logger.debug('refused request not kept', { error: (err as Error).message, requestId: request.requestId });
      }
    }
    this.writing = false;
  }

  async get(id: string): Promise<RefusedRequest | undefined> {
    const [entry] = await this.redis.xrange(this.stream, id, id);
    const parsed = entry ? parse(entry[0], entry[1]) : undefined;
    return parsed && this.fresh(parsed.id) ? parsed : undefined;
  }

  /** The raw bytes as received, or undefined when they were not kept or have expired. */
  async body(entry: RefusedRequest): Promise<Buffer | undefined> {
    if (entry.body.kept === 'no') return undefined;
    if (entry.body.kept === 'reference') return this.payloads.get(entry.body.ref);
    const stored = await this.redis.hgetBuffer(this.bodies, entry.id);
    return stored ? this.sealing.open(stored) : undefined;
  }

  /** Deletes an entry and its body (it was re-processed); false when it was gone already. */
  async remove(id: string): Promise<boolean> {
    const [deleted] = await execAll(this.redis.multi().xdel(this.stream, id).hdel(this.bodies, id));
    return deleted === 1;
  }

  /**
   * Newest first: every entry in the time range that matches (`total`), and a page of them older
   * than `before` (an entry id). Reads at most the stream's bound of small entries (bodies are apart).
   */
  async list(filter: RefusedFilter, { limit, before }: { limit: number; before?: string }): Promise<{ total: number; items: RefusedRequest[]; next?: string }> {
    const oldest = Math.max(Date.now() - this.limits.maxAgeMs, filter.from ? Date.parse(filter.from) : 0);
    const start = String(oldest);
    let end = filter.to ? String(Date.parse(filter.to)) : '+';
    let total = 0;
    const items: RefusedRequest[] = [];
    let next: string | undefined;
    for (;;) {
      const rows = await this.redis.xrevrange(this.stream, end, start, 'COUNT', PAGE);
      for (const [id, fields] of rows) {
        const entry = parse(id, fields);
        if (!entry || !matches(entry, filter)) continue;
        total++;
        if (before && !olderThan(id, before)) continue;
        if (items.length < limit) items.push(entry);
        else next ??= items[items.length - 1]!.id;
      }
      if (rows.length < PAGE) break;
      end = `(${rows[rows.length - 1]![0]}`;
    }
    return { total, items, ...(next ? { next } : {}) };
  }

  private fresh(id: string): boolean {
    return Number(id.split('-')[0]) >= Date.now() - this.limits.maxAgeMs;
  }
}

function olderThan(id: string, than: string): boolean {
  const [ms, seq] = id.split('-').map(Number) as [number, number];
  const [thanMs, thanSeq] = than.split('-').map(Number) as [number, number];
  return ms < thanMs || (ms === thanMs && seq < thanSeq);
}
