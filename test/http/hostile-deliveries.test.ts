import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { WorkflowNotFoundError } from '@temporalio/client';
import { MAX_JSON_DEPTH } from '../../src/http/json-depth';
import type { Decision, OutgoingDelivery } from '../../sources/types';
import { asDelivery, contractCases, fixturesOf, perSaga, sign, startsOf, type ContractCase } from '../contract/cases';
import { parseAnswer, type WebhookJson } from '../support/answers';
import { DIRECT_STARTS, post, startReceiver, type TestReceiver } from '../support/receiver';
import { uniqueTaskQueue } from '../support/temporal';

/**
 * Hostile deliveries that carry a valid signature, for every registered source and signing mode,
 * through the real receiver onto the real Temporal test server. Whether a saga exists is asked of
 * Temporal (describe), never of the receiver. No worker runs; runs started here are terminated.
 */
const cases = contractCases();
const taskQueue = uniqueTaskQueue('hostile');

/** Event types that are properties of every plain object. */
const PROTOTYPE_NAMES = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'];

const contentType = (d: OutgoingDelivery) => d.headers['content-type'] ?? 'application/json';
const isForm = (d: OutgoingDelivery) => contentType(d).startsWith('application/x-www-form-urlencoded');

/** A body with every value equal to `from` (the event type, wherever the source keeps it) replaced by `to`: JSON or form pairs. */
function withEventType(message: OutgoingDelivery, from: string, to: string): OutgoingDelivery {
  if (isForm(message)) {
    const pairs = [...new URLSearchParams(message.body.toString('utf8'))].map(([k, v]): [string, string] => [k, v === from ? to : v]);
    return { ...message, body: Buffer.from(new URLSearchParams(pairs).toString()) };
  }
  const swap = (value: unknown): unknown => {
    if (value === from) return to;
    if (Array.isArray(value)) return value.map(swap);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, swap(v)]));
    return value;
  };
  return { ...message, body: Buffer.from(JSON.stringify(swap(JSON.parse(message.body.toString('utf8'))))) };
}

/** The same JSON object with one more top-level field nested `depth` arrays deep (2 bytes a level). */
function nested(message: OutgoingDelivery, depth: number): OutgoingDelivery {
  const text = message.body.toString('utf8');
  const at = text.indexOf('{') + 1;
  return { ...message, body: Buffer.from(`${text.slice(0, at)}"deep":${'['.repeat(depth)}${']'.repeat(depth)},${text.slice(at)}`) };
}

/** Headers a genuine sender adds or changes for a new event (signature, timestamp, id): the ones a repeat must not slip past. */
function signedHeaderNames(unsigned: OutgoingDelivery, fresh: OutgoingDelivery, signed: OutgoingDelivery): string[] {
  const changed = (a: OutgoingDelivery, b: OutgoingDelivery) => Object.keys(b.headers).filter((h) => a.headers[h] !== b.headers[h]);
  return [...new Set([...changed(unsigned, fresh), ...changed(fresh, signed)])];
}

/** POSTs over a plain socket with headers as name/value pairs, so one name can be sent twice (fetch and http.request would join them). */
function postPairs(url: string, type: string, body: Buffer, pairs: [string, string][]): Promise<{ status: number; json: WebhookJson }> {
  const { hostname, port, pathname, search } = new URL(url);
  const head = [`POST ${pathname}${search} HTTP/1.1`, `host: ${hostname}:${port}`, `content-type: ${type}`, `content-length: ${body.length}`, 'connection: close']
    .concat(pairs.map(([name, value]) => `${name}: ${value}`))
    .join('\r\n');
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(Buffer.concat([Buffer.from(`${head}\r\n\r\n`), body])));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      const payload = text.slice(text.indexOf('\r\n\r\n') + 4);
      resolve({ status, json: parseAnswer<WebhookJson>(payload, payload) });
    });
  });
}

describe.each(cases.map((c) => [c.label, c] as const))('%s: hostile signed deliveries', (_label, c: ContractCase) => {
  const { definition, config, adapter } = c.instance;
  const kit = definition.sender;
  const started: string[] = [];
  let receiver: TestReceiver;

  beforeAll(async () => {
    receiver = await startReceiver({ ...c.env, TEMPORAL_TASK_QUEUE: taskQueue, ...DIRECT_STARTS });
  });

  afterAll(async () => {
    for (const id of started) await receiver.client.workflow.getHandle(id).terminate('hostile-deliveries test done').catch(() => undefined);
    await receiver?.close();
  });

  const url = () => `${receiver.url}/webhooks/${config.name}`;
  const send = (d: OutgoingDelivery) => post(`${url()}${Object.keys(d.query).length ? `?${new URLSearchParams(d.query)}` : ''}`, d.body, { ...d.headers });

  function decide(d: OutgoingDelivery): Decision {
    const delivery = asDelivery(d);
    adapter.verify(delivery, delivery.receivedAt);
    return adapter.decide(delivery);
  }

  /** A routed fixture given a new event key, with the decision for it. */
  function freshStart(): { unsigned: OutgoingDelivery; message: OutgoingDelivery; decision: Extract<Decision, { action: 'start' }> } {
    const starter = fixturesOf(c).find((f) => decide(sign(c, f.message)).action === 'start');
    if (!starter) throw new Error(`${c.label}: no fixture starts a saga`);
    const message = kit.fresh(starter.message, config, randomUUID());
    const decision = decide(sign(c, message));
    if (decision.action !== 'start') throw new Error('unreachable');
    return { unsigned: starter.message, message, decision };
  }

  async function exists(workflowId: string): Promise<boolean> {
    try {
      await receiver.client.workflow.getHandle(workflowId).describe();
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  /** The clean delivery is then the first: a 202 that started the saga on Temporal (not queued, not a duplicate). */
  async function expectStartsNow(message: OutgoingDelivery, decision: Extract<Decision, { action: 'start' }>): Promise<void> {
    const starts = startsOf(c, decision);
    const res = await send(sign(c, message));
    expect([res.status, perSaga(res.json).map((a) => [a.duplicate, typeof a.runId])]).toEqual([202, starts.map(() => [false, 'string'])]);
    for (const { saga, workflowId } of starts) {
      started.push(workflowId);
      expect((await receiver.client.workflow.getHandle(workflowId).describe()).type).toBe(saga);
    }
  }

  /** Whether any of the decision's workflows exists. */
  async function anyExists(decision: Extract<Decision, { action: 'start' }>): Promise<boolean> {
    for (const { workflowId } of startsOf(c, decision)) if (await exists(workflowId)) return true;
    return false;
  }

  // Where the event type is not read from the body (a constant of the endpoint), no delivery can name it.
  const typeFromBody = (() => {
    const { message, decision } = freshStart();
    return decide(sign(c, withEventType(message, decision.eventType, 'constructor'))).eventType === 'constructor';
  })();
  // Nesting depth is a JSON matter: a form body is flat pairs.
  const json = !isForm(freshStart().message);

  if (typeFromBody) it('answers event types named like Object.prototype members 200 ignored, starts nothing, and keeps starting sagas (issue row 2)', async () => {
    const { message, decision } = freshStart();
    for (const name of PROTOTYPE_NAMES) {
      const hostile = withEventType(message, decision.eventType, name);
      const res = await send(sign(c, hostile));
      expect([name, res.status, res.json]).toEqual([name, 200, { ignored: true, eventType: name }]);
    }
    // Nothing exists under the event's workflow ID, and Temporal is not thought unavailable: the
    // genuine event starts its saga straight away.
    expect(await anyExists(decision)).toBe(false);
    await expectStartsNow(message, decision);
  });

  if (json) it.each([5_000, 100_000])('refuses a signed body nested %i levels deep with 400 body_too_deep, never a 500 (issue row 9)', async (depth) => {
    const { message, decision } = freshStart();
    const hostile = sign(c, nested(message, depth));
    const res = await send(hostile);
    expect([res.status, res.json]).toEqual([400, { error: 'body_too_deep' }]);
    expect(await anyExists(decision)).toBe(false);
    await expectStartsNow(message, decision);
  });

  if (json) it(`takes a body nested ${MAX_JSON_DEPTH} levels (MAX_JSON_DEPTH) and refuses one level more`, async () => {
    const over = freshStart();
    const res = await send(sign(c, nested(over.message, MAX_JSON_DEPTH)));
    expect([res.status, res.json]).toEqual([400, { error: 'body_too_deep' }]);
    expect(await anyExists(over.decision)).toBe(false);
    const atLimit = freshStart();
    await expectStartsNow(nested(atLimit.message, MAX_JSON_DEPTH - 1), atLimit.decision);
  });

  it('refuses a repeated signature, timestamp or id header with 401 duplicate_header, whichever copy comes first (issue row 11)', async () => {
    const { unsigned, message, decision } = freshStart();
    const signed = sign(c, message);
    const names = signedHeaderNames(unsigned, message, signed);
    // Query-token Turvo signs no header: a repeated query parameter is its case (malformed_token, contract suite).
    if (names.length === 0) expect(Object.keys(signed.query)).not.toHaveLength(0);
    for (const name of names) {
      const others = Object.entries(signed.headers).filter(([h]) => h !== name && h !== 'content-type');
      const genuine = signed.headers[name]!;
      for (const copies of [
        ['junk', genuine],
        [genuine, 'junk'],
        [genuine, genuine],
      ]) {
        const query = Object.keys(signed.query).length ? `?${new URLSearchParams(signed.query)}` : '';
        const res = await postPairs(`${url()}${query}`, contentType(signed), signed.body, [...others, ...copies.map((v): [string, string] => [name, v])]);
        expect([name, copies.indexOf(genuine), res.status, res.json]).toEqual([name, copies.indexOf(genuine), 401, { error: 'duplicate_header' }]);
      }
    }
    expect(await anyExists(decision)).toBe(false);
    await expectStartsNow(message, decision);
  });
});
