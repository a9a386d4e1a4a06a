import type { Redis } from 'ioredis';
import type { Logger } from '../logger';
import { deadLettered, deadLettersDropped } from '../metrics';
import { FORWARDER_GROUP, execAll, readStart, type OutboxEntry } from './outbox';
import { redisKeys } from './redis';
import { grpcStatusName } from './temporal';

/** Why a start was given up on: the innermost error, as Temporal (or the reader) said it. */
export interface DeadLetterCause {
  /** The innermost message, e.g. "search attribute EventKey value size 2102 exceeds 2048". */
  cause: string;
  /** The gRPC status (INVALID_ARGUMENT, …), else the error's name; `unreadable` for an entry nobody can parse. */
  causeType: string;
  /** A bounded label for metrics and filters: the gRPC status in lower case, `unreadable` or `other`. */
  causeClass: string;
}

/** A start Temporal refused for good (or an outbox entry nobody can read), kept for an operator. */
export interface DeadLetter extends DeadLetterCause {
  id: string;
  workflowId?: string;
  saga?: string;
  source?: string;
  eventType?: string;
  eventKey?: string;
  /** When the receiver queued it, and when the forwarder gave up on it. */
  queuedAt?: string;
  deadAt: string;
  outboxId?: string;
  /** Only an entry whose start can be read can be put back in the outbox. */
  requeueable: boolean;
}

export interface DeadLetterFilter {
  source?: string;
  causeClass?: string;
}

const MAX_CAUSE_CHARS = 1000;
/** Source names become metric labels: only names the receiver itself could have written. */
const SOURCE_LABEL = /^[a-z0-9][a-z0-9_-]{0,63}$/i;

/**
 * The innermost error of a chain: the Temporal client wraps the server's answer ("Failed to start
 * Workflow") around a gRPC error whose `details` carry what the server actually objected to.
 */
export function causeOf(err: unknown): DeadLetterCause {
  let inner = err as { cause?: unknown } | undefined;
  for (let depth = 0; inner?.cause && depth < 8; depth++) inner = inner.cause as typeof inner;
  const e = (inner ?? {}) as { code?: unknown; details?: unknown; message?: unknown; name?: unknown; type?: unknown };
  const status = typeof e.code === 'number' ? grpcStatusName(e.code) : undefined;
  const message = typeof e.details === 'string' && e.details ? e.details : String(e.message ?? err);
  const causeType = status ?? (typeof e.type === 'string' ? e.type : typeof e.name === 'string' ? e.name : 'Error');
  return { cause: message.slice(0, MAX_CAUSE_CHARS), causeType, causeClass: status ? status.toLowerCase() : 'other' };
}

export const UNREADABLE: DeadLetterCause = { cause: 'unreadable outbox entry', causeType: 'unreadable', causeClass: 'unreadable' };

function field(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

function toDeadLetter(id: string, fields: string[]): DeadLetter {
  const start = readStart(fields);
  const meta = (start?.input as { meta?: { source?: string; eventType?: string; eventKey?: string } } | undefined)?.meta;
  return {
    id,
    workflowId: start?.workflowId,
    saga: start?.saga,
    source: meta?.source,
    eventType: meta?.eventType,
    eventKey: meta?.eventKey,
    queuedAt: start?.queuedAt,
    deadAt: field(fields, 'deadAt') ?? new Date(Number(id.split('-')[0])).toISOString(),
    outboxId: field(fields, 'outboxId'),
    // Entries written before causes were kept have only a `reason`.
    cause: field(fields, 'cause') ?? field(fields, 'reason') ?? '',
    causeType: field(fields, 'causeType') ?? 'unknown',
    causeClass: field(fields, 'causeClass') ?? 'other',
    requeueable: start !== undefined,
  };
}

const matches = (letter: DeadLetter, filter: DeadLetterFilter) =>
  (!filter.source || letter.source === filter.source) && (!filter.causeClass || letter.causeClass === filter.causeClass);

/**
 * Atomically takes a dead letter's start out of the dead-letter stream and appends it to the outbox
 * as a new entry: two operators re-queueing the same letter move it once. Returns the new outbox ID,
 * or false when the letter is gone (or has no start).
 */
const REQUEUE_SCRIPT = `
local entry = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])[1]
if not entry then return false end
local fields = entry[2]
for i = 1, #fields, 2 do
  if fields[i] == 'start' then
    redis.call('XDEL', KEYS[1], ARGV[1])
    return redis.call('XADD', KEYS[2], '*', 'start', fields[i + 1])
  end
end
return false`;

const PAGE = 200;

/**
 * The dead-letter stream `<prefix>outbox:dead`: starts Temporal refused as invalid (retrying cannot
 * help) and outbox entries nobody can read. Each keeps its start exactly as queued and the innermost
 * cause. It holds at most `maxEntries`: when full, the oldest are deleted, each with a log line and
 * `webhook_dead_letters_dropped_total`, never silently (XADD MAXLEN would trim without saying what).
 */
export class DeadLetters {
  readonly stream: string;
  private readonly outbox: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    readonly maxEntries: number,
    private readonly logger: Logger,
  ) {
    const keys = redisKeys(prefix);
    this.stream = keys.deadLetters;
    this.outbox = keys.outbox;
  }

  /** Moves an outbox entry here with its cause, acknowledging and deleting it in the outbox, atomically. */
  async add(entry: OutboxEntry, why: DeadLetterCause): Promise<void> {
    await execAll(
      this.redis
        .multi()
        .xadd(this.stream, '*', ...entry.fields, 'cause', why.cause, 'causeType', why.causeType, 'causeClass', why.causeClass, 'outboxId', entry.id, 'deadAt', new Date().toISOString())
        .xack(this.outbox, FORWARDER_GROUP, entry.id)
        .xdel(this.outbox, entry.id),
    );
    const source = entry.start?.input.meta.source;
    deadLettered.inc({ source: source && SOURCE_LABEL.test(source) ? source : 'unknown', cause: why.causeClass });
    await this.trim();
  }

  /** Deletes the oldest entries beyond maxEntries, one log line and one count each. */
  private async trim(): Promise<void> {
    const excess = (await this.redis.xlen(this.stream)) - this.maxEntries;
    if (excess <= 0) return;
    for (const [id, fields] of await this.redis.xrange(this.stream, '-', '+', 'COUNT', excess)) {
      // Another forwarder may be trimming too: only the one whose XDEL removed it reports it.
      if ((await this.redis.xdel(this.stream, id)) === 0) continue;
      const letter = toDeadLetter(id, fields);
      deadLettersDropped.inc({ source: letter.source && SOURCE_LABEL.test(letter.source) ? letter.source : 'unknown' });
      this.logger.error('dead letter dropped: the dead-letter stream is full (DEAD_LETTER_MAX_ENTRIES)', {
        deadLetterId: id,
        workflowId: letter.workflowId,
        cause: letter.cause,
        maxEntries: this.maxEntries,
      });
    }
  }

  async count(): Promise<number> {
    return this.redis.xlen(this.stream);
  }

  async get(id: string): Promise<DeadLetter | undefined> {
    const [entry] = await this.redis.xrange(this.stream, id, id);
    return entry ? toDeadLetter(entry[0], entry[1]) : undefined;
  }

  /**
   * Newest first, up to `limit` matching the filter; `truncated` when more match. `total` (every
   * letter in the stream) is read in one transaction with the first page, so the two always agree:
   * a letter added meanwhile is in neither (later pages are older, new letters never land there).
   */
  async list(filter: DeadLetterFilter, limit: number): Promise<{ total: number; items: DeadLetter[]; truncated: boolean }> {
    const [total, first] = (await execAll(this.redis.multi().xlen(this.stream).xrevrange(this.stream, '+', '-', 'COUNT', PAGE))) as [number, [string, string[]][]];
    let page = first;
    const items: DeadLetter[] = [];
    for (;;) {
      for (const [id, fields] of page) {
        const letter = toDeadLetter(id, fields);
        if (!matches(letter, filter)) continue;
        if (items.length === limit) return { total, items, truncated: true };
        items.push(letter);
      }
      if (page.length < PAGE) break;
      page = await this.redis.xrevrange(this.stream, `(${page[page.length - 1]![0]}`, '-', 'COUNT', PAGE);
    }
    return { total, items, truncated: false };
  }

  /** Puts the letter's start back in the outbox for the forwarder; undefined when it is gone. */
  async requeue(id: string): Promise<string | undefined> {
    const outboxId = (await this.redis.eval(REQUEUE_SCRIPT, 2, this.stream, this.outbox, id)) as string | null;
    return outboxId ?? undefined;
  }
}
