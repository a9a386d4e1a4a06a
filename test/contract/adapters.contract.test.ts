import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { DeliveryError, MalformedPayloadError, WebhookVerificationError } from '../../core/errors';
import { SOURCE_DEFINITIONS } from '../../sources';
import type { Decision, OutgoingDelivery } from '../../sources/types';
import { asDelivery, contractCases, contractFilter, fixturesOf, sendsJson, sign, startsOf, type ContractCase, type LoadedFixture } from './cases';

/**
 * The adapter contract, run for every registered source (each signing mode) and every config-only
 * endpoint in declared-sources.json, against its fixtures, in-process. The same cases go through the
 * real receiver and Temporal in receiver.contract.test.ts.
 */
const cases = contractCases();

/** 'accepted', or the reason verification refused it with. Anything other than a verification error escapes. */
function verdict(c: ContractCase, d: OutgoingDelivery, now = new Date()): string {
  try {
    c.instance.adapter.verify(asDelivery(d, now), now);
    return 'accepted';
  } catch (err) {
    if (err instanceof WebhookVerificationError) return err.reason;
    throw err;
  }
}

function decide(c: ContractCase, d: OutgoingDelivery, now = new Date()): Decision {
  const delivery = asDelivery(d, now);
  c.instance.adapter.verify(delivery, now);
  return c.instance.adapter.decide(delivery);
}

const seconds = (n: number) => new Date(Date.now() + n * 1000);

it('runs for every registered source kind, and for every kind or endpoint CONTRACT_SOURCES names', () => {
  expect(cases.length).toBeGreaterThan(0);
  const wanted = contractFilter();
  const covered = new Set(cases.flatMap((c) => [c.instance.definition.name, c.instance.config.name]));
  const expected = wanted ? [...wanted] : SOURCE_DEFINITIONS.map((d) => d.name);
  for (const name of expected) expect([name, covered.has(name)]).toEqual([name, true]);
});

// Guarded: an empty table would make jest fail with "`.each` called with an empty Array" instead of the check above.
if (cases.length > 0) describe.each(cases.map((c) => [c.label, c] as const))('%s', (_label, c) => {
  const { definition, config, adapter } = c.instance;
  const kit = definition.sender;
  const fixtures = fixturesOf(c);
  const started = (): (LoadedFixture & { decision: Extract<Decision, { action: 'start' }> })[] =>
    fixtures.flatMap((f) => {
      const decision = decide(c, sign(c, f.message));
      return decision.action === 'start' ? [{ ...f, decision }] : [];
    });

  it('accepts every fixture, correctly signed, and decides on it', () => {
    expect(fixtures.length).toBeGreaterThan(0);
    for (const f of fixtures) {
      expect([f.name, verdict(c, sign(c, f.message))]).toEqual([f.name, 'accepted']);
      expect(['start', 'ignore', 'respond']).toContain(decide(c, sign(c, f.message)).action);
    }
  });

  it('has a fixture for every saga of every route, each starting sagas its route names, in its order', () => {
    expect(adapter.routes).toBeDefined();
    const routes = adapter.routes!;
    const covered = new Set<string>();
    for (const { name, decision } of started()) {
      const routed = routes.get(decision.eventType) ?? [];
      // A route's filters may leave some of its sagas out, never add one or change their order.
      expect([name, decision.sagas.length > 0, decision.sagas]).toEqual([name, true, routed.filter((saga) => decision.sagas.includes(saga))]);
      expect(decision.eventKey.length).toBeGreaterThan(0);
      for (const saga of decision.sagas) covered.add(`${decision.eventType} → ${saga}`);
    }
    expect([...covered].sort()).toEqual([...routes].flatMap(([type, sagas]) => sagas.map((saga) => `${type} → ${saga}`)).sort());
  });

  it('refuses each kind of tampering with its reason', () => {
    const now = new Date();
    for (const f of fixtures) {
      const signed = sign(c, f.message, { now });
      const tamperings = kit.tamperings(config, { key: c.signingKey, now });
      expect(tamperings.length).toBeGreaterThan(1);
      for (const t of tamperings) {
        expect({ fixture: f.name, tampering: t.name, verdict: verdict(c, t.apply(signed), now) }).toEqual({ fixture: f.name, tampering: t.name, verdict: t.reason });
      }
    }
  });

  it('refuses a delivery signed with a wrong key', () => {
    const wrong = kit.wrongKey(config);
    for (const f of fixtures) expect([f.name, verdict(c, sign(c, f.message, { key: wrong.key }))]).toEqual([f.name, wrong.reason]);
  });

  it('refuses signing times outside its replay window, accepts those inside (or, signing none, relies on the event key)', () => {
    const window = kit.replayWindow(config);
    const message = fixtures[0]!.message;
    if (!window) {
      // No signed time: a day-old delivery still verifies; its event key is what stops a replay starting a second saga.
      expect(verdict(c, sign(c, message, { now: seconds(-86_400) }))).toBe('accepted');
      return;
    }
    expect(verdict(c, sign(c, message, { now: seconds(-window.staleAfterSeconds - 60) }))).toBe(window.staleReason);
    expect(verdict(c, sign(c, message, { now: seconds(window.futureAfterSeconds + 60) }))).toBe(window.futureReason);
    expect(verdict(c, sign(c, message, { now: seconds(-window.staleAfterSeconds + 5) }))).toBe('accepted');
    expect(verdict(c, sign(c, message, { now: seconds(window.futureAfterSeconds - 5) }))).toBe('accepted');
  });

  it('maps a redelivery of one event to the same workflow IDs (one per saga), and new events to new ones', () => {
    const list = started();
    expect(list.length).toBeGreaterThan(0);
    for (const f of list) {
      for (const message of [f.message, kit.fresh(f.message, config, randomUUID())]) {
        const first = decide(c, sign(c, message, { now: seconds(-20), deliveryId: randomUUID() }));
        const retry = decide(c, sign(c, message, { deliveryId: randomUUID() }));
        expect(first.action).toBe('start');
        expect(retry).toMatchObject({ action: 'start', eventType: (first as typeof f.decision).eventType });
        const ids = (d: Decision) => startsOf(c, d as typeof f.decision);
        expect([f.name, ids(retry)]).toEqual([f.name, ids(first)]);
        expect([f.name, new Set(ids(first).map((s) => s.workflowId)).size]).toEqual([f.name, f.decision.sagas.length]);
      }
      const a = decide(c, sign(c, kit.fresh(f.message, config, randomUUID()))) as typeof f.decision;
      const b = decide(c, sign(c, kit.fresh(f.message, config, randomUUID()))) as typeof f.decision;
      expect([f.name, a.eventKey === b.eventKey || a.eventKey === f.decision.eventKey]).toEqual([f.name, false]);
      expect([a.eventType, a.sagas]).toEqual([f.decision.eventType, f.decision.sagas]);
    }
  });

  it('fails closed when no secret or key is configured', () => {
    const bare = definition.create({ ...config, secrets: [], publicKeys: [] });
    expect(verdict({ ...c, instance: { ...c.instance, adapter: bare } }, sign(c, fixtures[0]!.message))).toBe('source_not_configured');
  });

  it('never accepts random or forged deliveries, and refuses them only with delivery errors below 500', () => {
    const now = new Date();
    const base = fixtures[0]!.message;
    const forged = sign(c, base, { key: kit.wrongKey(config).key, now });
    const value = (real: string | undefined) =>
      fc.option(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.stringMatching(/^[0-9a-f]{1,128}$/),
          fc.stringMatching(/^[A-Za-z0-9+/]{1,90}={0,2}$/),
          fc.integer({ min: -600_000, max: 600_000 }).map((ms) => String(Math.floor((now.getTime() + ms) / 1000))),
          fc.constant(`Bearer ${randomUUID()}`),
          ...(real === undefined ? [] : [fc.constant(real)]),
        ),
        { nil: undefined },
      );
    const names = [...new Set([...Object.keys(forged.headers), 'authorization'])];
    const record = (keys: string[], source: Readonly<Record<string, string>>) =>
      fc.record(Object.fromEntries(keys.map((k) => [k, value(source[k])]))).map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as Record<string, string>);
    const body = fc.oneof(fc.constant(base.body), fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b)), fc.json().map((j) => Buffer.from(j)));
    const delivery = fc.record({ headers: record(names, forged.headers), query: record(Object.keys(forged.query), forged.query), body });

    fc.assert(
      fc.property(delivery, (d) => {
        try {
          adapter.verify(asDelivery(d, now), now);
        } catch (err) {
          return err instanceof DeliveryError && err.status < 500;
        }
        return false;
      }),
      { numRuns: 150 },
    );
  });

  it('refuses a genuine signature moved onto another body, where the scheme covers the body', () => {
    const now = new Date();
    const coversBody = kit.tamperings(config, { key: c.signingKey, now }).some((t) => t.name === 'body edited after signing');
    const signed = sign(c, fixtures[0]!.message, { now });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1024 }), (bytes) => {
        const body = Buffer.from(bytes);
        fc.pre(!body.equals(signed.body));
        const result = verdict(c, { ...signed, body }, now);
        return coversBody ? result === 'signature_mismatch' : result === 'accepted';
      }),
      { numRuns: 50 },
    );
  });

  it('answers correctly signed random bodies with a decision or a 400, never anything else', () => {
    const template = (started()[0] ?? { message: fixtures[0]!.message }).message;
    const body = fc.oneof(
      ...(sendsJson(c) ? [jsonFieldEdits(template.body), fc.json().map((j) => Buffer.from(j))] : [bytesEdits(template.body)]),
      fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
    );
    fc.assert(
      fc.property(body, (bytes) => {
        const signed = sign(c, { ...template, body: bytes });
        let decision: Decision;
        try {
          decision = decide(c, signed);
        } catch (err) {
          return err instanceof MalformedPayloadError;
        }
        if (decision.action !== 'start') return ['ignore', 'respond'].includes(decision.action);
        const routed = adapter.routes?.get(decision.eventType) ?? [];
        return decision.eventKey.length > 0 && decision.sagas.length > 0 && decision.sagas.every((saga) => routed.includes(saga));
      }),
      { numRuns: 150 },
    );
  });
});

/** The fixture with one field replaced by any JSON value (a JSON endpoint's body is an object to edit). */
function jsonFieldEdits(template: Buffer): fc.Arbitrary<Buffer> {
  const fixtureJson = JSON.parse(template.toString('utf8')) as Record<string, unknown>;
  return fc.tuple(fc.constantFrom(...leafPaths(fixtureJson)), fc.jsonValue()).map(([path, v]) => {
    const copy = structuredClone(fixtureJson);
    setAt(copy, path, v);
    return Buffer.from(JSON.stringify(copy));
  });
}

/** The fixture with a slice of its bytes replaced: for bodies that are not JSON (form bodies, text). */
function bytesEdits(template: Buffer): fc.Arbitrary<Buffer> {
  return fc
    .tuple(fc.nat({ max: template.length }), fc.nat({ max: template.length }), fc.uint8Array({ maxLength: 32 }))
    .map(([a, b, bytes]) => Buffer.concat([template.subarray(0, Math.min(a, b)), Buffer.from(bytes), template.subarray(Math.max(a, b))]));
}

/** Every path to a value in a JSON object (objects and arrays walked), for mutating one field at a time. */
function leafPaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [prefix];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([k, v]) => leafPaths(v, [...prefix, k]))].filter((p) => p.length > 0);
}

function setAt(target: Record<string, unknown>, path: (string | number)[], value: unknown): void {
  type Node = Record<string | number, unknown>;
  let current = target as Node;
  for (const part of path.slice(0, -1)) current = current[part] as Node;
  current[path[path.length - 1]!] = value;
}
