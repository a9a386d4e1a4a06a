import { Agent, request } from 'node:http';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { OutgoingDelivery } from '../../sources/types';
import { deletePrefix, startIntakeReceiver, uniquePrefix, type IntakeReceiver } from '../intake/support/receiver';
import { allDrivers, pathFor, type SourceDriver } from '../../sources/sender/drivers';

/**
 * Fuzz: at least 10,000 generated requests per registered source kind (spread over its kit's example
 * configurations), against the real receiver over keep-alive HTTP. Random headers, bodies, sizes,
 * encodings and chunking, next to deliveries signed wrongly in every way the source's kit knows.
 * Properties: never a 5xx, never a dropped connection, never a 2xx for a request that was not
 * correctly signed, and the process still healthy at the end.
 *
 * Temporal is deliberately unreachable (127.0.0.1:1): accepted events go to the Redis outbox, so
 * the fuzz exercises the ledger, the outbox and the rate limiter in Redis without flooding Temporal.
 */
const PER_SOURCE = Number(process.env.FUZZ_REQUESTS_PER_SOURCE ?? 10_000);
const BATCH = 50;
const BODY_LIMIT = 16 * 1024;
const SIGNATURE_CAN_NOT_HOLD = 'refuse';

interface FuzzRequest {
  driver: SourceDriver;
  kind: string;
  path: string;
  headers: Record<string, string | string[]>;
  body: Buffer;
  chunked: boolean;
  /** `refuse`: not correctly signed, so never a 2xx. `any`: correctly signed; anything but a 5xx. */
  expect: 'refuse' | 'any';
  /** Only the kit's own tampering/wrong key/stale time was applied: must be exactly 401. */
  pure: boolean;
}

const drivers = allDrivers();
const kinds = [...new Set(drivers.map((d) => d.definition.name))];
const prefix = uniquePrefix('fuzz');
const receivers = new Map<SourceDriver, { receiver: IntakeReceiver; agent: Agent; port: number }>();

beforeAll(async () => {
  for (const driver of drivers) {
    const receiver = await startIntakeReceiver({
      env: {
        ...driver.env,
        TEMPORAL_ADDRESS: '127.0.0.1:1',
        REDIS_KEY_PREFIX: prefix,
        BODY_LIMIT: String(BODY_LIMIT),
        RATE_LIMIT_PER_SECOND: '1000000',
        // The fuzz checks what verification answers; the failure budget (test/intake/flood.test.ts) would turn its forgeries into 429s.
        RATE_LIMIT_FAILURES_PER_SECOND: '0',
        TEMPORAL_COOLDOWN_MS: '60000',
      },
    });
    receivers.set(driver, { receiver, agent: new Agent({ keepAlive: true, maxSockets: 16 }), port: Number(new URL(receiver.url).port) });
  }
}, 60_000);

afterAll(async () => {
  const first = [...receivers.values()][0];
  if (first) await deletePrefix(first.receiver.redis, prefix);
  for (const { receiver, agent } of receivers.values()) {
    agent.destroy();
    await receiver.close();
  }
});

// ---------------------------------------------------------------------------------------------
// Generators

const TOKEN_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!#$%&\'*+^`|~';
/** Header names the HTTP framing depends on: random values there test Node, not us. */
const FRAMING = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'expect', 'upgrade', 'te', 'trailer', 'keep-alive']);

const headerName = fc
  .string({ unit: fc.constantFrom(...TOKEN_CHARS), minLength: 1, maxLength: 24 })
  .filter((n) => !FRAMING.has(n.toLowerCase()));
/** Printable ASCII and Latin-1, what an HTTP client may put in a header value. */
const headerValue = fc.string({
  unit: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) }, { weight: 1, arbitrary: fc.integer({ min: 0xa0, max: 0xff }) }).map((c) => String.fromCharCode(c)),
  maxLength: 120,
});
/** Mostly the JSON every source takes, so that most requests reach the signature check. */
const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  { weight: 3, arbitrary: fc.constantFrom('application/json; charset=utf-8', 'APPLICATION/JSON', 'application/json;charset=latin1', 'application/x-www-form-urlencoded', 'text/plain', 'application/jwt', '') },
  { weight: 1, arbitrary: headerValue },
);
const contentEncoding = fc.option(fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'gzip, br', 'x-unknown'), { nil: undefined });

/** Bodies of every shape and size: empty, random bytes (up to past the limit), JSON, text in other encodings. */
const randomBody = fc.oneof(
  fc.constant(Buffer.alloc(0)),
  fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a)),
  fc.integer({ min: BODY_LIMIT - 64, max: BODY_LIMIT + 4096 }).map((n) => Buffer.alloc(n, 0x7b)),
  fc.json({ maxDepth: 4 }).map((s) => Buffer.from(s)),
  fc.tuple(fc.json({ maxDepth: 3 }), fc.constantFrom<BufferEncoding>('utf16le', 'latin1', 'utf8')).map(([s, enc]) => Buffer.from(`\ufeff${s}`, enc)),
  fc.string({ maxLength: 300 }).map((s) => Buffer.from(s)),
);

/** Extra headers that are no part of any scheme (prefixed so they cannot collide with one). */
const extraHeaders = fc.dictionary(headerName.map((n) => `x-fz-${n}`), headerValue, { maxKeys: 6 });

/** Anything at all, sent to the source's endpoint: most of it nonsense, some of it the source's own header names. */
function garbage(driver: SourceDriver) {
  const known = [...new Set(driver.fixtures.flatMap((f) => Object.keys(driver.sign(f).headers)))];
  const name = known.length ? fc.oneof(headerName, fc.constantFrom(...known)) : headerName;
  return fc
    .record({
      headers: fc.dictionary(name.filter((n) => !FRAMING.has(n.toLowerCase())), fc.oneof(headerValue, fc.array(headerValue, { minLength: 2, maxLength: 3 })), { maxKeys: 8 }),
      type: contentType,
      encoding: contentEncoding,
      body: fc.oneof(randomBody, fc.constantFrom(...driver.fixtures.map((f) => f.body))),
      query: fc.option(fc.dictionary(fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz_'), minLength: 1, maxLength: 10 }), fc.string({ maxLength: 40 }), { maxKeys: 3 }), { nil: undefined }),
      chunked: fc.boolean(),
    })
    .map(({ headers, type, encoding, body, query, chunked }): FuzzRequest => ({
      driver,
      kind: 'garbage',
      path: pathFor(driver.name, { body, headers: {}, query: query ?? {} }),
      headers: { ...headers, 'content-type': type, ...(encoding ? { 'content-encoding': encoding } : {}) },
      body,
      chunked,
      expect: SIGNATURE_CAN_NOT_HOLD,
      pure: false,
    }));
}

/**
 * Signing is the generator's cost (RSA keys for some schemes): each fixture is signed once per
 * second and reused, and a driver's wrong key is made once.
 */
const signedCache = new Map<string, { second: number; message: OutgoingDelivery }>();
function signedFixture(driver: SourceDriver, index: number, now: Date): OutgoingDelivery {
  const key = `${driver.label}#${index}`;
  const second = Math.floor(now.getTime() / 1000);
  const hit = signedCache.get(key);
  if (hit && hit.second === second) return hit.message;
  const message = driver.sign(driver.fixtures[index]!, now);
  signedCache.set(key, { second, message });
  return message;
}

const wrongKeys = new Map<SourceDriver, string>();
function wrongKeyOf(driver: SourceDriver): string {
  if (!wrongKeys.has(driver)) wrongKeys.set(driver, driver.definition.sender.wrongKey(driver.instance.config).key);
  return wrongKeys.get(driver)!;
}

function toRequest(driver: SourceDriver, kind: string, message: OutgoingDelivery, expect: FuzzRequest['expect'], pure: boolean, extra: Record<string, string> = {}, chunked = false): FuzzRequest {
  return {
    driver,
    kind,
    path: pathFor(driver.name, message),
    headers: { 'content-type': 'application/json', ...message.headers, ...extra },
    body: message.body,
    chunked,
    expect,
    pure,
  };
}

/** A correctly signed delivery spoiled one way the source's kit names (each must be refused). */
function tampered(driver: SourceDriver) {
  const kit = driver.definition.sender;
  return fc.record({ fixture: fc.nat(), pick: fc.nat(), extra: fc.option(extraHeaders, { nil: undefined }), chunked: fc.boolean() }).map(({ fixture, pick, extra, chunked }) => {
    const now = new Date();
    const message = signedFixture(driver, fixture % driver.fixtures.length, now);
    const key = driver.signingKey ?? (driver.instance.config as { secrets?: string[] }).secrets?.[0] ?? '';
    const tamperings = kit.tamperings(driver.instance.config, { key, now });
    const tampering = tamperings[pick % tamperings.length]!;
    return toRequest(driver, `tampered: ${tampering.name}`, tampering.apply(message), SIGNATURE_CAN_NOT_HOLD, !extra, extra, chunked);
  });
}

/** Signed with a key the endpoint does not hold, or outside the replay window. */
function wronglySigned(driver: SourceDriver) {
  const kit = driver.definition.sender;
  const config = driver.instance.config;
  const window = kit.replayWindow(config);
  const modes = window ? (['wrong key', 'stale', 'future'] as const) : (['wrong key'] as const);
  return fc.record({ fixture: fc.nat(), mode: fc.constantFrom(...modes) }).map(({ fixture, mode }) => {
    const unsigned = driver.fixtures[fixture % driver.fixtures.length]!;
    let message: OutgoingDelivery;
    if (mode === 'wrong key') {
      message = kit.sign(unsigned, config, { now: new Date(), key: wrongKeyOf(driver) });
    } else {
      const offset = (mode === 'stale' ? -1 : 1) * ((mode === 'stale' ? window!.staleAfterSeconds : window!.futureAfterSeconds) + 120) * 1000;
      message = driver.sign(unsigned, new Date(Date.now() + offset));
    }
    return toRequest(driver, mode, message, SIGNATURE_CAN_NOT_HOLD, true);
  });
}

/** Correctly signed, but the body is anything: the signature holds, so 2xx or 4xx are both fine; 5xx never. */
function signedNonsense(driver: SourceDriver) {
  return fc.record({ fixture: fc.nat(), body: randomBody, type: contentType, extra: extraHeaders, chunked: fc.boolean() }).map(({ fixture, body, type, extra, chunked }) => {
    // The fixture's own non-signature headers (an id header some schemes sign), another body.
    const message = driver.sign({ ...driver.fixtures[fixture % driver.fixtures.length]!, body });
    return toRequest(driver, 'signed nonsense', message, 'any', false, { 'content-type': type, ...extra }, chunked);
  });
}

/** Genuine new events with harmless extra headers: the happy path under noise. */
function genuine(driver: SourceDriver) {
  return fc.record({ index: fc.nat(), extra: extraHeaders, chunked: fc.boolean() }).map(({ index, extra, chunked }) => {
    const { message } = driver.newEvent(randomUUID(), index);
    return toRequest(driver, 'genuine', message, 'any', false, extra, chunked);
  });
}

const arbitraries = new Map<SourceDriver, fc.Arbitrary<FuzzRequest>>();
function requestsFor(driver: SourceDriver): fc.Arbitrary<FuzzRequest> {
  if (!arbitraries.has(driver)) arbitraries.set(driver, requestArbitrary(driver));
  return arbitraries.get(driver)!;
}

function requestArbitrary(driver: SourceDriver): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(
    { weight: 4, arbitrary: garbage(driver) },
    { weight: 3, arbitrary: tampered(driver) },
    { weight: 1, arbitrary: wronglySigned(driver) },
    { weight: 1, arbitrary: signedNonsense(driver) },
    { weight: 1, arbitrary: genuine(driver) },
  );
}

// ---------------------------------------------------------------------------------------------
// Transport

function send(req: FuzzRequest, retried = false): Promise<{ status: number; error?: string }> {
  const { agent, port } = receivers.get(req.driver)!;
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: { status: number; error?: string }) => {
      if (!settled) {
        settled = true;
        resolve(result);
      }
    };
    const headers = req.chunked ? req.headers : { ...req.headers, 'content-length': String(req.body.length) };
    const r = request({ host: '127.0.0.1', port, method: 'POST', path: req.path, headers, agent }, (res) => {
      res.resume();
      res.once('end', () => done({ status: res.statusCode ?? 0 }));
      res.once('error', (err) => done({ status: res.statusCode ?? 0, error: err.message }));
    });
    r.once('error', (err) => {
      // A kept-alive socket the receiver closed as idle (KEEP_ALIVE_TIMEOUT_MS) just as this request
      // reused it: the client's race, not the receiver's answer (Node's docs: request.reusedSocket). Once.
      if (r.reusedSocket && (err as NodeJS.ErrnoException).code === 'ECONNRESET' && !retried && !settled) {
        settled = true;
        resolve(send(req, true));
        return;
      }
      done({ status: 0, error: err.message });
    });
    if (req.chunked && req.body.length > 1) {
      const cut = Math.floor(req.body.length / 2);
      r.write(req.body.subarray(0, cut));
      r.end(req.body.subarray(cut));
    } else {
      r.end(req.body);
    }
  });
}

// ---------------------------------------------------------------------------------------------

describe.each(kinds)('fuzz %s', (kind) => {
  it(`answers ${PER_SOURCE} generated requests: never a 5xx, never a 2xx for a bad signature`, async () => {
    const mine = drivers.filter((d) => d.definition.name === kind);
    const tally = new Map<string, number>();
    let total = 0;
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...mine).chain(requestsFor), { minLength: BATCH, maxLength: BATCH }), async (batch) => {
        const results = await Promise.all(batch.map((req) => send(req)));
        results.forEach(({ status, error }, i) => {
          const req = batch[i]!;
          total++;
          tally.set(`${req.expect} ${status}`, (tally.get(`${req.expect} ${status}`) ?? 0) + 1);
          const what = `${req.driver.label} ${req.kind}: ${status}${error ? ` (${error})` : ''}`;
          if (status === 0 || status >= 500) throw new Error(`no 5xx and no dropped connection expected: ${what}`);
          if (req.expect === 'refuse' && status < 300) throw new Error(`a badly signed request was accepted: ${what}`);
          if (req.pure && status !== 401) throw new Error(`the kit's spoiled delivery must be a 401: ${what}`);
          if (status < 300) accepted++;
        });
      }),
      { numRuns: Math.ceil(PER_SOURCE / BATCH), endOnFailure: true },
    );
    expect(total).toBeGreaterThanOrEqual(PER_SOURCE);
    // The run was not all refusals: genuine deliveries got through.
    expect(accepted).toBeGreaterThan(0);
    for (const d of mine) {
      const health = await fetch(`${receivers.get(d)!.receiver.url}/healthz`);
      expect(health.status).toBe(200);
    }
    console.log(`fuzz ${kind}: ${total} requests, ${JSON.stringify(Object.fromEntries([...tally].sort()))}`);
  }, 180_000);
});
