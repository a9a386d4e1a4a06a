import type { ChainableCommander, Redis } from 'ioredis';
import type { DeliveryMeta, SagaInput, SagaInputRef } from '../../core/saga/input';
import { luaScript, redisKeys, waitForReplicas, type ReplicaWait } from './redis';
import { sealer as noSealing, type Sealer } from './sealing';

/** A saga start Temporal could not take when the delivery came in. */
export interface QueuedStart {
  workflowId: string;
  saga: string;
  input: SagaInput | SagaInputRef;
  /** ISO time the receiver queued it. */
  queuedAt: string;
}

/** A saga input whose event is encrypted (src/intake/sealing.ts), base64; the metadata stays readable. */
export interface SealedSagaInput {
  meta: DeliveryMeta;
  sealedEvent: string;
}

/** A queued start as the outbox and the dead-letter stream keep it: `Outbox.open` gives it back as queued. */
export type StoredStart = Omit<QueuedStart, 'input'> & { input: QueuedStart['input'] | SealedSagaInput };

export interface OutboxEntry {
  id: string;
  /** Undefined when the entry cannot be read (it is then dead-lettered as it is, never retried forever). */
  start: StoredStart | undefined;
  fields: string[];
}

export interface OutboxStats {
  /** Entries not yet accepted by Temporal (acknowledged entries are deleted). */
  backlog: number;
  /** Of those, read by a forwarder and not yet acknowledged. */
  pending: number;
  /** Age of the oldest entry not yet forwarded: the outbox lag. */
  oldestAgeSeconds: number;
  /** Entries Temporal refused outright (invalid request): kept for an operator (src/intake/dead-letters.ts). */
  deadLetters: number;
}

export const FORWARDER_GROUP = 'forwarders';

/** Stream entry IDs start with the millisecond they were added at. */
function entryTime(id: string): number {
  return Number(id.split('-')[0]);
}

/** ioredis reports a failed command inside MULTI as a value, not a rejection: make it one. Returns each command's reply. */
export async function execAll(multi: ChainableCommander): Promise<unknown[]> {
  const results = await multi.exec();
  if (!results) throw new Error('redis transaction aborted');
  for (const [err] of results) if (err) throw err;
  return results.map(([, reply]) => reply);
}

type RawEntry = [id: string, fields: string[]];

/** The queued start in an outbox (or dead-letter) entry's fields; undefined when it cannot be read. */
export function readStart(fields: string[]): StoredStart | undefined {
  const index = fields.indexOf('start');
  try {
    const start = JSON.parse(fields[index + 1] ?? '') as StoredStart;
    return typeof start?.workflowId === 'string' && typeof start.saga === 'string' ? start : undefined;
  } catch {
    return undefined;
  }
}

function parseEntries(raw: RawEntry[] | null | undefined): OutboxEntry[] {
  const entries: OutboxEntry[] = [];
  for (const [id, fields] of raw ?? []) {
    // XAUTOCLAIM can return an entry whose fields are gone (deleted while pending): nothing to forward.
    if (!fields) continue;
    entries.push({ id, start: readStart(fields), fields });
  }
  return entries;
}

/**
 * Deletes, atomically, the group's consumers other than ARGV[2] that have nothing pending and have
 * not touched the stream for ARGV[3] ms. Atomic because XGROUP DELCONSUMER also drops a consumer's
 * pending entries: checked and deleted in one step, no entry read in between can be lost.
 */
const REMOVE_GONE_CONSUMERS = `
local removed = {}
for _, row in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local c = {}
  for i = 1, #row, 2 do c[row[i]] = row[i + 1] end
  if c.name ~= ARGV[2] and c.pending == 0 and c.idle > tonumber(ARGV[3]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], c.name)
    table.insert(removed, c.name)
  end
end
return removed`;

/**
 * Appends a start to the outbox (KEYS[1]) unless the workflow's mark (KEYS[2]) names an entry still
 * in it: a vendor's repeat of an event whose start is still queued is answered a duplicate, and
 * neither grows the backlog nor costs the engine a second start while it catches up. The mark is
 * only a pointer, checked against the stream: an entry forwarded or dead-lettered since lets the
 * next repeat be appended again (the forwarder then finds it started, or an operator re-queues it).
 * Returns {1, id} when appended, {0, id} of the entry already holding it.
 */
const APPEND_ONCE = luaScript(`
local at = redis.call('GET', KEYS[2])
if at and #redis.call('XRANGE', KEYS[1], at, at) > 0 then
  -- A write, so that WAIT on this connection covers the entry found (it may predate the connection: a failover).
  redis.call('EXPIRE', KEYS[2], ARGV[2])
  return {0, at}
end
local id = redis.call('XADD', KEYS[1], '*', 'start', ARGV[1])
redis.call('SET', KEYS[2], id, 'EX', ARGV[2])
return {1, id}`);

/** A mark outlives any backlog worth the name; past it, a repeat is queued again (and still starts nothing twice). */
const QUEUED_MARK_SECONDS = 7 * 24 * 3600;

/**
 * The durable fallback: a Redis Stream of saga starts waiting for Temporal, read by forwarders in a
 * consumer group. An entry is deleted in the same transaction that acknowledges it, so the stream
 * holds exactly the starts still owed to Temporal.
 */
export class Outbox {
  readonly stream: string;
  /** Where starts Temporal refused go (src/intake/dead-letters.ts); counted in stats. */
  private readonly deadStream: string;
  private readonly queuedMark: (workflowId: string) => string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    /** Replicas that must hold an appended start before append resolves (the receiver's, where a 202 rests on it). */
    private readonly wait?: ReplicaWait,
    /** Encrypts the events of the starts appended, and opens them for the forwarder. */
    private readonly sealing: Sealer = noSealing(undefined),
  ) {
    const keys = redisKeys(prefix);
    this.stream = keys.outbox;
    this.deadStream = keys.deadLetters;
    this.queuedMark = keys.queuedStart;
  }

  /**
   * Appends a start, its event encrypted, unless the workflow's start is already queued; resolves
   * only once Redis holds it (and the replicas `wait` asks for), in either case.
   */
  async append(start: QueuedStart): Promise<{ id: string; appended: boolean }> {
    const { input } = start;
    const stored: StoredStart =
      this.sealing.encrypts && 'event' in input
        ? { ...start, input: { meta: input.meta, sealedEvent: this.sealing.seal(Buffer.from(JSON.stringify(input.event) ?? 'null')).toString('base64') } }
        : start;
    const [appended, id] = (await APPEND_ONCE(this.redis, [this.stream, this.queuedMark(start.workflowId)], [JSON.stringify(stored), QUEUED_MARK_SECONDS])) as [0 | 1, string];
    // Also for a start found queued: the delivery that queued it may have been refused for want of replicas.
    if (this.wait) await waitForReplicas(this.redis, this.wait);
    return { id, appended: appended === 1 };
  }

  /** The start as it was queued, its event decrypted; throws when its key is not configured here. */
  open(start: StoredStart): QueuedStart {
    const { input } = start;
    if (!('sealedEvent' in input)) return { ...start, input };
    const event: unknown = JSON.parse(this.sealing.open(Buffer.from(input.sealedEvent, 'base64')).toString('utf8'));
    return { ...start, input: { meta: input.meta, event } };
  }

  /** Creates the consumer group (and the stream) unless it exists. */
  async ensureGroup(redis: Redis = this.redis): Promise<void> {
    try {
      await redis.xgroup('CREATE', this.stream, FORWARDER_GROUP, '0', 'MKSTREAM');
    } catch (err) {
      if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
    }
  }

  /** New entries for this consumer; with blockMs, waits up to that long for some (then use a connection of its own). */
  async readNew(redis: Redis, consumer: string, count: number, blockMs?: number): Promise<OutboxEntry[]> {
    const block = blockMs === undefined ? [] : ['BLOCK', blockMs];
    const reply = (await redis.xreadgroup('GROUP', FORWARDER_GROUP, consumer, 'COUNT', count, ...(block as ['BLOCK', number]), 'STREAMS', this.stream, '>')) as
      | [string, RawEntry[]][]
      | null;
    return parseEntries(reply?.[0]?.[1]);
  }

  /** Entries this consumer read earlier and has not acknowledged (a failed start, retried). */
  async readOwnPending(consumer: string, count: number): Promise<OutboxEntry[]> {
    const reply = (await this.redis.xreadgroup('GROUP', FORWARDER_GROUP, consumer, 'COUNT', count, 'STREAMS', this.stream, '0')) as
      | [string, RawEntry[]][]
      | null;
    return parseEntries(reply?.[0]?.[1]);
  }

  /** Takes over entries another forwarder read but left unacknowledged for minIdleMs (it crashed or hangs). */
  async claimStale(consumer: string, minIdleMs: number, count: number): Promise<OutboxEntry[]> {
    const entries: OutboxEntry[] = [];
    let cursor = '0-0';
    do {
      const reply = (await this.redis.xautoclaim(this.stream, FORWARDER_GROUP, consumer, minIdleMs, cursor, 'COUNT', count)) as [string, RawEntry[]];
      cursor = reply[0];
      entries.push(...parseEntries(reply[1]));
    } while (cursor !== '0-0' && entries.length < count);
    return entries;
  }

  /**
   * Removes forwarders that are gone (a restarted process gets a new name) from the group, so it
   * does not grow by one consumer per deploy: only those with nothing pending (what a dead one held
   * was claimed first) and idle for idleMs. A live forwarder that is removed by mistake loses
   * nothing and is re-created by its next read. Returns the names removed.
   */
  async removeGoneConsumers(self: string, idleMs: number): Promise<string[]> {
    return (await this.redis.eval(REMOVE_GONE_CONSUMERS, 1, this.stream, FORWARDER_GROUP, self, String(idleMs))) as string[];
  }

  /** Temporal has the start: acknowledge and delete the entry, and its workflow's mark, in one step. */
  async ack(entry: Pick<OutboxEntry, 'id' | 'start'>): Promise<void> {
    const multi = this.redis.multi().xack(this.stream, FORWARDER_GROUP, entry.id).xdel(this.stream, entry.id);
    if (entry.start) multi.del(this.queuedMark(entry.start.workflowId));
    await execAll(multi);
  }

  async stats(now = Date.now()): Promise<OutboxStats> {
    const [backlog, oldest, pending, deadLetters] = await Promise.all([
      this.redis.xlen(this.stream),
      this.redis.xrange(this.stream, '-', '+', 'COUNT', 1),
      this.redis.xpending(this.stream, FORWARDER_GROUP).catch(() => [0]) as Promise<unknown[]>,
      this.redis.xlen(this.deadStream),
    ]);
    const oldestId = oldest[0]?.[0];
    return {
      backlog,
      pending: Number(pending[0] ?? 0),
      oldestAgeSeconds: oldestId ? Math.max(0, Math.round((now - entryTime(oldestId)) / 1000)) : 0,
      deadLetters,
    };
  }
}
