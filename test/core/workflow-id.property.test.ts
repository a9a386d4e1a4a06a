import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { SAGA_NAMES, type SagaName } from '../../core/saga/registry';
import { eventKeySearchValue, keyBytes, sagaWorkflowIds, searchablePrefix, workflowIdFor } from '../../core/workflow-id';

/**
 * The two forms of an event key (core/workflow-id.ts), checked alone on 100,000 generated
 * pairs of hostile keys: different keys (or sources) never share a workflow ID or a search value, the
 * further sagas of a fan-out get IDs that differ for every other (source, key, saga) and from every
 * event's own ID, and all stay within Temporal's limits. Every form seen in the run is remembered, so
 * a collision between any two of the 200,000 keys fails, not only within a pair.
 */
const RUNS = Number(process.env.WORKFLOW_ID_PAIRS ?? 100_000);
const sha256Hex = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

const safe = fc.stringMatching(/^[A-Za-z0-9._@-]{1,128}$/);
const numberLexeme = fc.oneof(
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
  fc.tuple(fc.integer(), fc.stringMatching(/^[0-9]{1,6}$/)).map(([i, f]) => `${i}.${f}`),
  fc.tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: -400, max: 400 })).map(([m, e]) => `${m}e${e}`),
);
/** Strings around the old collapse points: lone surrogates next to U+FFFD, pairs split apart. */
const surrogates = fc.string({ unit: fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff', '\ufffd', '\ud83d\ude00', 'a', ':'), minLength: 1, maxLength: 12 });
const hostile = fc.oneof(
  safe,
  fc.string({ minLength: 1, maxLength: 300 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 300 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 }),
  // Long keys (past the raw form's 128 and the search value's 200), built cheaply by repetition.
  fc
    .tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }), fc.integer({ min: 129, max: 2500 }), fc.string({ maxLength: 8 }))
    .map(([unit, length, tail]) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length) + tail),
  surrogates,
  numberLexeme,
  numberLexeme.map((n) => JSON.stringify(n)),
  fc.array(safe, { minLength: 2, maxLength: 4 }).map((parts) => parts.join(':')),
  fc.string({ unit: fc.constantFrom("'", '"', '\\', '\u2026', '*', ' ', 'x'), minLength: 1, maxLength: 20 }),
  // Literal hash forms: of another key, of its UTF-8 (the old hash), of nothing in particular.
  fc.string({ minLength: 1, maxLength: 50 }).map((k) => `sha256-${sha256Hex(Buffer.from(k, 'utf8'))}`),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 50 }).map((k) => `sha256-${sha256Hex(keyBytes(k))}`),
  fc.stringMatching(/^sha256-[0-9a-f]{64}$/),
  fc.string({ minLength: 1, maxLength: 50 }).map((k) => `${k.slice(0, 20)}\u2026sha256:${sha256Hex(k)}`),
);
/** A key and a look-alike: the pairs the old form merged. */
const lookAlikes = hostile.chain((k) =>
  fc.constantFrom<[string, string]>(
    [k, `sha256-${sha256Hex(Buffer.from(k, 'utf8'))}`],
    [k, `sha256-${sha256Hex(keyBytes(k))}`],
    [k, k.replace(/\p{Cs}/gu, '\ufffd')],
    [k, eventKeySearchValue(k)],
    [k, `${k}\ud800`],
    [k, `${k}\ufffd`],
  ),
);
const source = fc.constantFrom('samsara', 'turvo', 'acme-yard', 'a', 'x'.repeat(63));
const saga = fc.constantFrom(...SAGA_NAMES);
/** The ID `saga` gets as a further saga of a fan-out (another saga comes first). */
const otherThan = (s: SagaName) => SAGA_NAMES.find((n) => n !== s)!;

describe('workflowIdFor and eventKeySearchValue', () => {
  it(`map ${RUNS.toLocaleString('en')} pairs of distinct keys to distinct, bounded forms`, () => {
    const ids = new Map<string, string>();
    const searchValues = new Map<string, string>();
    const remember = (seen: Map<string, string>, form: string, who: string) => {
      const before = seen.get(form);
      if (before !== undefined && before !== who) throw new Error(`${JSON.stringify(before)} and ${JSON.stringify(who)} share ${form}`);
      seen.set(form, who);
    };
    // Plain checks, not expect(): they run 200,000 times.
    const fail = (what: string, key: string) => {
      throw new Error(`${what} for ${JSON.stringify(key)}`);
    };
    const check = (src: string, key: string, s: SagaName) => {
      const id = workflowIdFor(src, key);
      const [first, further] = sagaWorkflowIds(src, key, [otherThan(s), s]).map((f) => f.workflowId) as [string, string];
      const value = eventKeySearchValue(key);
      // Who an ID stands for: `|<source>:<key>` for an event, `<saga>|<source>:<key>` for a further saga (neither name has `|` or `:`).
      remember(ids, id, `|${src}:${key}`);
      remember(ids, further, `${s}|${src}:${key}`);
      remember(searchValues, value, key);
      // The first saga of a fan-out keeps the event's own ID.
      if (first !== id) fail('first saga not on the event ID', key);
      // Temporal's limits: IDs up to 1,000 bytes (the further ID is the event's own and `/<saga>`), Keywords up to 2 KB (255 characters in SQL visibility).
      if (Buffer.byteLength(further) > 1000) fail('workflow ID over 1,000 bytes', key);
      if (value.length > 200 || Buffer.byteLength(value) > 2048) fail('search value too long', key);
      // Both are sent as protobuf strings: they must survive UTF-8 unchanged, and the value is quoted into queries.
      if (/\p{Cs}/u.test(further) || /\p{Cs}/u.test(value)) fail('lone surrogate', key);
      if (/['\\]/.test(value)) fail('quote or backslash in the search value', key);
      // A prefix search finds the key whatever its length.
      const cut = key.slice(0, 1 + (key.length % 130));
      if (searchablePrefix(cut) && !value.startsWith(cut)) fail(`prefix ${JSON.stringify(cut)} not found`, key);
      return { id, further };
    };
    fc.assert(
      fc.property(fc.oneof(fc.tuple(hostile, hostile), lookAlikes), source, source, saga, saga, ([a, b], sa, sb, ga, gb) => {
        const x = check(sa, a, ga);
        const y = check(sb, b, gb);
        if ((a !== b || sa !== sb) && x.id === y.id) fail('shared workflow ID', `${a} / ${b}`);
        if ((a !== b || sa !== sb || ga !== gb) && x.further === y.further) fail('shared fan-out workflow ID', `${a} / ${b}`);
        if (x.further === y.id || y.further === x.id) fail('fan-out ID equal to an event ID', `${a} / ${b}`);
        if (a !== b && eventKeySearchValue(a) === eventKeySearchValue(b)) fail('shared search value', `${a} / ${b}`);
      }),
      { numRuns: RUNS },
    );
  });

  it('keeps the IDs of ordinary keys and the hashes of well-formed ones as they were', () => {
    expect(workflowIdFor('samsara', '9f2c1e4a-0b7d-4c1a-9d53-2b1f6e8a7c10')).toBe('samsara:9f2c1e4a-0b7d-4c1a-9d53-2b1f6e8a7c10');
    expect(sagaWorkflowIds('shop', 'evt_1', ['recordEventSaga', 'frontInboundSaga'])).toEqual([
      { saga: 'recordEventSaga', workflowId: 'shop:evt_1' },
      { saga: 'frontInboundSaga', workflowId: 'shop:evt_1/frontInboundSaga' },
    ]);
    expect(sagaWorkflowIds('shop', 'a b', ['recordEventSaga', 'frontInboundSaga'])[1]!.workflowId).toBe(`shop:sha256-${sha256Hex('a b')}/frontInboundSaga`);
    expect(workflowIdFor('samsara', 'a b 123')).toBe(`samsara:sha256-${sha256Hex('a b 123')}`);
    const literal = `sha256-${sha256Hex('a b 123')}`;
    expect(workflowIdFor('samsara', literal)).toBe(`samsara:sha256-${sha256Hex(literal)}`);
    expect(workflowIdFor('samsara', '\ud800')).not.toBe(workflowIdFor('samsara', '\ufffd'));
    expect(eventKeySearchValue('evt_123')).toBe('evt_123');
    expect(eventKeySearchValue('x'.repeat(2100))).toBe(`${'x'.repeat(120)}\u2026sha256:${sha256Hex('x'.repeat(2100))}`);
  });
});
