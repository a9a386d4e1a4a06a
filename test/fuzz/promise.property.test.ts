import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import type { OutgoingDelivery, RouteTable } from '../../sources/types';
import { allDrivers, asDelivery, headersFor, pathFor, type SourceDriver } from '../../sources/sender/drivers';
import { uniqueTaskQueue } from '../support/temporal';
import { deletePrefix, postRaw, startIntakeReceiver, uniquePrefix, type IntakeReceiver } from '../intake/support/receiver';
import { eventually } from '../support/eventually';
import { executionsBy } from '../intake/support/temporal-truth';

/**
 * The whole promise as a property: a few thousand signed deliveries across every registered source
 * and signing mode, with generated hostile event keys and types written where each source reads them,
 * some delivered again. Every 2xx that is no duplicate ends as exactly one workflow execution or one
 * dead letter with a cause; two different keys never share a workflow ID; a repeat never starts a
 * second run; never a 5xx, a 4xx only with a reason. The verdict comes from Temporal's visibility
 * (by the run's task queue, which no worker polls) and the dead-letter stream in Redis.
 */
const SEED = Number(process.env.PROMISE_SEED ?? 20_260_410);
const RUNS = 10;
const EVENTS_PER_RUN = Number(process.env.PROMISE_EVENTS_PER_RUN ?? 230);
const REPEAT_SHARE = 0.1;
const IN_FLIGHT = 16;

/** Keys and types are written into bodies as JSON literals: a form-bodied endpoint (Twilio) is left to the contract suite's byte-level checks. */
const drivers = allDrivers().filter((d) => (d.instance.adapter.contentTypes ?? ['application/json']).some((t) => t === 'application/json' || t.endsWith('+json')));
const kinds = [...new Set(drivers.map((d) => d.definition.name))];
const prefix = uniquePrefix('promise');
const taskQueue = uniqueTaskQueue('promise');
const receivers = new Map<SourceDriver, IntakeReceiver>();

// ---------------------------------------------------------------------------------------------
// Where each starter carries its key and its type, found through the kit's new-key hook.

const KEY = '\u0000KEY\u0000';
const TYPE = '\u0000TYPE\u0000';

interface Template {
  driver: SourceDriver;
  /** The body's text with KEY (and TYPE, when the type could be placed) where the literals were. */
  body: string;
  /** The header carrying the key, when the key is no body field (its whole value is the key). */
  keyHeader?: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  /** The starter's own type, as a JSON literal. */
  routedType: Buffer;
  /** Whether the type's literal was found once in the body (else only the routed type is sent). */
  typePlaced: boolean;
  /** Whether a number lexeme as the key is read as a key of its own (a source may not take numbers as keys). */
  numbersAreKeys: boolean;
}

/** The whole JSON string literal around `at` in `text`. */
function literalAround(text: string, at: number): { start: number; end: number } {
  let start = at;
  while (start > 0 && !(text[start - 1] === '"' && text[start - 2] !== '\\')) start--;
  let end = at;
  while (end < text.length && !(text[end] === '"' && text[end - 1] !== '\\')) end++;
  return { start: start - 1, end: end + 1 };
}

function build(t: Template, key: Buffer, type: Buffer = t.routedType): OutgoingDelivery {
  const parts: Buffer[] = [];
  for (const [i, piece] of t.body.split(KEY).entries()) {
    if (i > 0) parts.push(key);
    piece.split(TYPE).forEach((text, j) => parts.push(...(j > 0 ? [type] : []), Buffer.from(text)));
  }
  const headers = t.keyHeader ? { ...t.headers, [t.keyHeader]: key.toString('latin1') } : t.headers;
  return { body: Buffer.concat(parts), headers, query: t.query };
}

function decideOf(driver: SourceDriver, unsigned: OutgoingDelivery) {
  const delivery = asDelivery(driver.sign(unsigned));
  try {
    return driver.instance.adapter.decide(delivery);
  } catch {
    return undefined;
  }
}

function templateOf(driver: SourceDriver, starter: OutgoingDelivery): Template | undefined {
  const kit = driver.definition.sender;
  const config = driver.instance.config;
  const token = `probe${randomBytes(6).toString('hex')}`;
  const fresh = kit.fresh(starter, config, token);
  const original = decideOf(driver, fresh);
  if (original?.action !== 'start') return undefined;
  let text = fresh.body.toString('utf8');
  let keyHeader: string | undefined;
  const headers = { ...fresh.headers };
  const inHeader = Object.keys(headers).find((h) => headers[h]!.includes(token));
  let at = text.indexOf(token);
  if (inHeader) {
    keyHeader = inHeader; // its value is set in build()
    at = -1;
  } else if (at < 0) {
    // The hook wrote no `unique` (Turvo pins an event by its update time): the literal it changed.
    const other = kit.fresh(starter, config, token).body.toString('utf8');
    at = 0;
    while (at < text.length && text[at] === other[at]) at++;
    if (at === text.length) return undefined;
  }
  if (at >= 0) {
    const { start, end } = literalAround(text, at);
    text = `${text.slice(0, start)}${KEY}${text.slice(end)}`;
  }
  const routedType = Buffer.from(JSON.stringify(original.eventType));
  const typeAt = text.indexOf(routedType.toString());
  const typePlaced = typeAt >= 0 && text.indexOf(routedType.toString(), typeAt + 1) < 0;
  if (typePlaced) text = `${text.slice(0, typeAt)}${TYPE}${text.slice(typeAt + routedType.length)}`;
  const t: Template = { driver, body: text, headers, query: { ...fresh.query }, routedType, typePlaced, numbersAreKeys: false, ...(keyHeader ? { keyHeader } : {}) };

  // The template must place what it claims: two probe keys are two keys, a probe type is ignored.
  const a = decideOf(driver, build(t, Buffer.from('"probeA"')));
  const b = decideOf(driver, build(t, Buffer.from('"probeB"')));
  if (a?.action !== 'start' || b?.action !== 'start' || a.eventKey === b.eventKey) throw new Error(`${driver.label}: cannot place a key in ${starter.body.toString().slice(0, 60)}`);
  if (typePlaced && decideOf(driver, build(t, Buffer.from('"probeA"'), Buffer.from('"probeType"')))?.action !== 'ignore') throw new Error(`${driver.label}: cannot place a type`);
  const one = decideOf(driver, build(t, Buffer.from('1')));
  const two = decideOf(driver, build(t, Buffer.from('2')));
  t.numbersAreKeys = !(one?.action === 'start' && two?.action === 'start' && one.eventKey === two.eventKey);
  return t;
}

const templates = new Map<SourceDriver, Template[]>();

// ---------------------------------------------------------------------------------------------
// Generators

const sha256Hex = (s: string) => createHash('sha256').update(s).digest('hex');
const PROTOTYPE_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', 'isPrototypeOf', '__defineGetter__'];
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));

/** A generated value for a key or a type: a JSON string, a number lexeme, or a string with bytes that are no UTF-8. */
type Hostile = { kind: 'string'; value: string } | { kind: 'number'; lexeme: string } | { kind: 'bytes'; bytes: Buffer };

/**
 * Workflow IDs outlive a run on the shared server, and the seed is fixed: every generated key carries
 * this run's nonce (inside the hash form, and as digits in numbers), so a key of an earlier run is no
 * "duplicate" here. Prototype names are exact names, so they are generated as types only.
 */
const NONCE = randomBytes(4).toString('hex');
const NONCE_DIGITS = String(1e8 + (parseInt(NONCE, 16) % 9e8));

const hostileString = (nonce: string) =>
  fc.oneof(
    fc.string({ unit: 'grapheme-ascii', maxLength: 40 }).map((s) => `${s}${nonce}`),
    fc.string({ unit: 'binary', maxLength: 40 }).map((s) => `${nonce}${s}`),
    fc.string({ unit: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), loneSurrogate), minLength: 1, maxLength: 12 }).map((s) => `${s}${nonce}`),
    fc.string({ unit: 'grapheme-ascii', minLength: 129, maxLength: 3000 }).map((s) => `${nonce}${s}`),
    fc.string({ unit: 'binary', minLength: 200, maxLength: 1200 }).map((s) => `${s}${nonce}`),
    fc.string({ maxLength: 20 }).map((s) => `sha256-${sha256Hex(`${nonce}${s}`)}`),
    fc.string({ maxLength: 20 }).map((s) => `body-sha256-${sha256Hex(`${nonce}${s}`)}`),
    fc.tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 })).map(([a, b]) => `${a}:${nonce}:${b}`),
    fc.bigInt({ min: 2n ** 53n - 2n, max: 2n ** 64n }).map((n) => `${NONCE_DIGITS}${n}`),
  );
const hostile = (nonce: string, names: string[]): fc.Arbitrary<Hostile> =>
  fc.oneof(
    { weight: 12, arbitrary: fc.oneof({ weight: 9, arbitrary: hostileString(nonce) }, { weight: names.length ? 1 : 0, arbitrary: fc.constantFrom('', ...names) }).map((value) => ({ kind: 'string' as const, value })) },
    {
      weight: 2,
      arbitrary: fc
        .oneof(fc.bigInt({ min: 2n ** 53n - 2n, max: 2n ** 70n }).map(String), fc.constantFrom('', '.0', 'e3', '0.1', '993'))
        .map((tail) => ({ kind: 'number' as const, lexeme: `${NONCE_DIGITS}${tail}` })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.string({ maxLength: 8 }), fc.uint8Array({ minLength: 1, maxLength: 4 }).map((a) => Buffer.from(a.map((x) => 0xf8 | (x & 7)))))
        .map(([s, bad]) => ({ kind: 'bytes' as const, bytes: Buffer.concat([Buffer.from(JSON.stringify(`${nonce}${s}`).slice(0, -1)), bad, Buffer.from('"')]) })),
    },
  );
const hostileKey = hostile(NONCE, []);
const hostileType = hostile('', PROTOTYPE_NAMES);

/** What goes into the body (a JSON lexeme) or into a header (printable ASCII, every other unit escaped: injective). */
function lexemeOf(h: Hostile, inHeader: boolean): Buffer {
  if (inHeader) {
    const text = h.kind === 'string' ? h.value : h.kind === 'number' ? h.lexeme : h.bytes.toString('hex');
    return Buffer.from(text.replace(/[^\x21-\x5b\x5d-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`), 'latin1');
  }
  return h.kind === 'string' ? Buffer.from(JSON.stringify(h.value)) : h.kind === 'number' ? Buffer.from(h.lexeme) : h.bytes;
}

interface Planned {
  driver: SourceDriver;
  unsigned: OutgoingDelivery;
  /** What was sent as the key, as bytes (with where it went): two events are the same event exactly when these are equal. */
  identity: string;
  /** A type no saga handles: answered 200 ignored (or 400 when the source refuses its form). */
  unrouted: boolean;
  what: string;
}

const event = fc
  .record({ kind: fc.constantFrom(...kinds), pick: fc.nat(), starter: fc.nat(), key: hostileKey, type: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: hostileType }) })
  .map(({ kind, pick, starter, key, type }): Planned => {
    const mine = drivers.filter((d) => d.definition.name === kind);
    const driver = mine[pick % mine.length]!;
    const list = templates.get(driver)!;
    const t = list[starter % list.length]!;
    const k = key.kind === 'number' && !t.numbersAreKeys ? ({ kind: 'string', value: key.lexeme } as const) : key;
    const keyLexeme = lexemeOf(k, !!t.keyHeader);
    const unrouted = type !== undefined && t.typePlaced && !routes(driver).has(typeText(type));
    const unsigned = build(t, keyLexeme, unrouted ? lexemeOf(type, false) : t.routedType);
    return { driver, unsigned, identity: `${driver.name}|${t.keyHeader ?? 'body'}|${keyLexeme.toString('hex')}`, unrouted, what: `${driver.label} key ${keyLexeme.toString('latin1').slice(0, 80)}` };
  });

function routes(driver: SourceDriver): RouteTable {
  return driver.instance.adapter.routes ?? new Map();
}
function typeText(h: Hostile): string {
  return h.kind === 'string' ? h.value : h.kind === 'number' ? h.lexeme : h.bytes.toString('latin1');
}

// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  for (const driver of drivers) {
    const list = driver.starters.map((s) => templateOf(driver, s)).filter((t): t is Template => t !== undefined);
    if (list.length === 0) throw new Error(`${driver.label}: no starter takes a generated key`);
    templates.set(driver, list);
    receivers.set(
      driver,
      await startIntakeReceiver({
        env: {
          ...driver.env,
          TEMPORAL_TASK_QUEUE: taskQueue,
          REDIS_KEY_PREFIX: prefix,
          RATE_LIMIT_PER_SECOND: '1000000',
          TEMPORAL_START_TIMEOUT_MS: '5000',
          FORWARDER_MAX_BACKOFF_MS: '1000',
        },
        forwarder: { claimIdleMs: 5000 },
      }),
    );
  }
}, 120_000);

afterAll(async () => {
  const first = [...receivers.values()][0];
  if (first) {
    // Nothing polls the task queue: end what the test started, so the shared server does not keep it.
    const running = await executionsBy(first.client, `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`).catch(() => new Map<string, number>());
    const ids = [...running.keys()];
    for (let i = 0; i < ids.length; i += 64) {
      await Promise.all(ids.slice(i, i + 64).map((id) => first.client.workflow.getHandle(id).terminate('promise property test done').catch(() => undefined)));
    }
    await deletePrefix(first.redis, prefix).catch(() => undefined);
  }
  for (const receiver of receivers.values()) await receiver.close();
}, 120_000);

async function inParallel<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]!);
      }
    }),
  );
  return results;
}

it('every 2xx is one execution or one dead letter with a cause; different keys, different IDs; repeats start nothing', async () => {
  const started = Date.now();
  /** Accepted (non-duplicate) events: workflow ID → the identity of the key that got it. */
  const accepted = new Map<string, string>();
  /** First answer per identity, for its repeats. */
  const firstAnswer = new Map<string, { status: number; workflowId?: string; ignored?: boolean; queued?: boolean }>();
  const statuses = new Map<string, number>();
  let deliveries = 0;
  let repeats = 0;

  async function deliver(p: Planned) {
    const message = p.driver.sign(p.unsigned);
    const reply = await postRaw(`${receivers.get(p.driver)!.url}${pathFor(p.driver.name, message)}`, message.body, headersFor(message));
    deliveries++;
    const label = `${reply.status}${reply.json?.ignored ? ' ignored' : reply.json?.duplicate ? ' duplicate' : reply.json?.queued ? ' queued' : ''}`;
    statuses.set(`${p.driver.definition.name} ${label}`, (statuses.get(`${p.driver.definition.name} ${label}`) ?? 0) + 1);
    return reply;
  }

  await fc.assert(
    fc.asyncProperty(fc.array(event, { minLength: EVENTS_PER_RUN, maxLength: EVENTS_PER_RUN }), fc.nat(), async (generated, salt) => {
      // One event per key: a generated key met before (in this run or an earlier one) is left out.
      const seen = new Set<string>();
      const events = generated.filter((e) => !firstAnswer.has(e.identity) && !seen.has(e.identity) && seen.add(e.identity));
      const check = (p: Planned, reply: Awaited<ReturnType<typeof deliver>>, repeat: boolean) => {
        const what = `${repeat ? 'repeat of ' : ''}${p.what}: ${reply.status} ${JSON.stringify(reply.json)?.slice(0, 200)}`;
        if (reply.status >= 500) throw new Error(`a 5xx: ${what}`);
        if (reply.status >= 400 && !(typeof reply.json?.error === 'string' && reply.json.error.length > 0)) throw new Error(`a 4xx without a reason: ${what}`);
        if (reply.status >= 300 && reply.status < 400) throw new Error(`a 3xx: ${what}`);
        if (p.unrouted && reply.status < 300 && reply.json?.ignored !== true) throw new Error(`an unrouted type was not ignored: ${what}`);
        if (reply.status < 300 && !reply.json?.ignored) {
          const id = reply.json?.workflowId as string | undefined;
          if (!id) throw new Error(`a 2xx start without a workflow ID: ${what}`);
          const owner = accepted.get(id);
          if (!repeat) {
            if (reply.json.duplicate !== false) throw new Error(`a new key answered as a duplicate: ${what}${owner ? ` (the ID of ${owner})` : ''}`);
            if (owner !== undefined) throw new Error(`two different keys share a workflow ID: ${what}`);
            accepted.set(id, p.identity);
          } else if (owner !== p.identity) {
            throw new Error(`a repeat got another workflow ID: ${what}`);
          } else if (!(reply.json.duplicate === true || (reply.status === 202 && reply.json.queued === true) || firstAnswer.get(p.identity)?.queued)) {
            // A first delivery that was queued may still wait in the outbox: its repeat then starts the
            // saga itself and the forwarder finds it started (one run either way, counted below).
            throw new Error(`a repeat was not answered duplicate: ${what}`);
          }
        }
      };
      const first = await inParallel(events, IN_FLIGHT, async (p) => {
        const reply = await deliver(p);
        check(p, reply, false);
        firstAnswer.set(p.identity, { status: reply.status, workflowId: reply.json?.workflowId, ignored: reply.json?.ignored, queued: reply.json?.queued === true });
        return reply;
      });
      // Some events again, re-signed as a vendor retrying would, answered like their first delivery.
      const again = events.filter((_, i) => (i * 7919 + salt) % Math.round(1 / REPEAT_SHARE) === 0);
      repeats += again.length;
      await inParallel(again, IN_FLIGHT, async (p) => {
        const reply = await deliver(p);
        check(p, reply, true);
        const was = firstAnswer.get(p.identity)!;
        const kind = (s: number) => (s < 300 ? '2xx' : String(s));
        if (kind(reply.status) !== kind(was.status) || !!reply.json?.ignored !== !!was.ignored) throw new Error(`a repeat was answered ${reply.status}, its first delivery ${was.status}: ${p.what}`);
      });
      expect(first.length).toBe(events.length);
    }),
    { seed: SEED, numRuns: RUNS, endOnFailure: true, verbose: true },
  );
  const sendingMs = Date.now() - started;

  // The verdict. First the outbox drains (queued starts are started or dead-lettered by the forwarders).
  const anyReceiver = [...receivers.values()][0]!;
  const stats = await eventually(
    () => anyReceiver.parts.outbox.stats(),
    (s) => s.backlog === 0 && s.pending === 0,
    { timeoutMs: 60_000, everyMs: 500 },
  );
  expect({ backlog: stats.backlog, pending: stats.pending }).toEqual({ backlog: 0, pending: 0 });
  const letters = (await anyReceiver.parts.deadLetters.list({}, 100_000)).items;
  const lettered = new Map<string, number>();
  for (const l of letters) {
    if (!l.workflowId || l.cause.length === 0) throw new Error(`a dead letter without a workflow ID or a cause: ${JSON.stringify(l).slice(0, 300)}`);
    lettered.set(l.workflowId, (lettered.get(l.workflowId) ?? 0) + 1);
  }
  // Visibility is eventually consistent: wait until it holds every accepted event (or more, which fails below).
  const query = `TaskQueue = '${taskQueue}'`;
  const executions = await eventually(
    () => executionsBy(anyReceiver.client, query),
    (e) => e.size + lettered.size >= accepted.size,
    { timeoutMs: 60_000, everyMs: 1000 },
  );

  const report = {
    seed: SEED,
    deliveries,
    repeats,
    acceptedEvents: accepted.size,
    executions: executions.size,
    deadLetters: letters.length,
    causes: [...new Set(letters.map((l) => l.cause.slice(0, 80)))],
    statuses: Object.fromEntries([...statuses].sort()),
    drivers: drivers.map((d) => `${d.label}: ${templates.get(d)!.length} starters${templates.get(d)!.some((t) => t.typePlaced) ? '' : ', no hostile types'}`),
    sendingMs,
    totalMs: Date.now() - started,
  };
  console.log(`promise property (seed ${SEED}, nonce ${NONCE}): ${JSON.stringify(report)}`);

  const neither = [...accepted.keys()].filter((id) => !executions.has(id) && !lettered.has(id));
  const both = [...accepted.keys()].filter((id) => executions.has(id) && lettered.has(id));
  const unexpected = [...executions.keys(), ...lettered.keys()].filter((id) => !accepted.has(id));
  const twoRuns = [...executions].filter(([, runs]) => runs > 1).map(([id]) => id);
  const twoLetters = [...lettered].filter(([, n]) => n > 1).map(([id]) => id);
  expect({ neither, both, unexpected, twoRuns, twoLetters }).toEqual({ neither: [], both: [], unexpected: [], twoRuns: [], twoLetters: [] });
  expect(executions.size + lettered.size).toBe(accepted.size);
  expect(deliveries).toBeGreaterThanOrEqual(2000);
}, 300_000);
