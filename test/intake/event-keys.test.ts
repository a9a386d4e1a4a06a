import { randomBytes, randomInt, randomUUID, createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { hmacSource } from '../../sources/hmac';
import { signSamsara } from '../../sources/samsara/verify';
import { sagaFilter } from '../../src/ops/api-schemas';
import { visibilityQuery } from '../../src/ops/filters';
import { eventKeySearchValue, workflowIdFor } from '../../core/workflow-id';
import { fixture } from '../support/fixtures';
import { uniqueTaskQueue } from '../support/temporal';
import { deletePrefix, postRaw, startIntakeReceiver, uniquePrefix, type IntakeReceiver, type Reply } from './support/receiver';
import { eventually } from '../support/eventually';
import { executionsBy } from './support/temporal-truth';
import { DIRECT_STARTS } from '../support/receiver';

/**
 * Issue 10, rows 1 and 3-6: event keys that used to be refused or merged. Through the real receiver
 * onto the shared Temporal; every expectation is read back from Temporal (describe, list), never
 * from our own bookkeeping. No worker runs these sagas: a started execution is what is asserted, and
 * they are terminated at the end.
 */
const prefix = uniquePrefix('event-keys');
const taskQueue = uniqueTaskQueue('event-keys');
const SAMSARA_SECRET = Buffer.from('event-keys-secret').toString('base64');
const TURVO_TOKEN = 'event-keys-token';
// A declared source of its own per run, so fixed keys such as `1` never meet an earlier run's sagas.
const HMAC_NAME = `ids-${randomBytes(4).toString('hex')}`;
const SOURCES_CONFIG = JSON.stringify({
  [HMAC_NAME]: {
    kind: 'hmac',
    secrets: ['event-keys-hmac-secret'],
    signature: { header: 'x-signature', encoding: 'hex' },
    signedString: '{timestamp}.{body}',
    timestamp: { header: 'x-timestamp' },
    eventKey: 'body:id',
    eventType: 'body:type',
    routes: { 'thing.happened': 'recordEventSaga' },
  },
});
const env = {
  SAMSARA_WEBHOOK_SECRETS: SAMSARA_SECRET,
  TURVO_WEBHOOK_SECRETS: TURVO_TOKEN,
  SOURCES_CONFIG,
  TEMPORAL_TASK_QUEUE: taskQueue,
  REDIS_KEY_PREFIX: prefix,
  ...DIRECT_STARTS,
};
const hmacConfig = hmacSource.configure(env)[0]!;

let receiver: IntakeReceiver;
let client: Client;

beforeAll(async () => {
  receiver = await startIntakeReceiver({ env, forwarder: true });
  client = receiver.client;
});

afterAll(async () => {
  // Nothing runs these sagas: close them so the shared server is left with no open executions.
  for await (const info of client.workflow.list({ query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'` })) {
    await client.workflow.getHandle(info.workflowId, info.runId).terminate('test done').catch(() => undefined);
  }
  await deletePrefix(receiver.redis, prefix);
  await receiver?.close();
});

/** A Samsara route-stop arrival with `eventId` written into the JSON text as given (escapes and all). */
function samsara(eventIdJson: string | Buffer): Promise<Reply> {
  const template = fixture('samsara', 'route-stop-arrival').toString('utf8');
  const [before, after] = template.split('"4f7a2c1e-9b3d-4e8a-a6f1-2d5c8e0b7a93"') as [string, string];
  const body = Buffer.concat([Buffer.from(before), Buffer.from(eventIdJson), Buffer.from(after)]);
  return postRaw(`${receiver.url}/webhooks/samsara`, body, signSamsara(body, SAMSARA_SECRET, Math.floor(Date.now() / 1000)));
}

/** A declared-source delivery whose `id` is written into the JSON text as given (a number's lexeme, a string). */
function declared(idJson: string): Promise<Reply> {
  const body = Buffer.from(`{"id":${idJson},"type":"thing.happened","data":{"n":1}}`);
  const signed = hmacSource.sender.sign({ body, headers: {}, query: {} }, hmacConfig, { now: new Date() });
  return postRaw(`${receiver.url}/webhooks/${HMAC_NAME}`, body, signed.headers);
}

function turvo(event: object): Promise<Reply> {
  return postRaw(`${receiver.url}/webhooks/turvo`, JSON.stringify(event), { authorization: `Bearer ${TURVO_TOKEN}` });
}

/** Temporal's own account of a workflow ID, waiting out a start that went through the outbox. */
async function described(workflowId: string) {
  const handle = client.workflow.getHandle(workflowId);
  const found = await eventually(
    () => handle.describe().then((d) => d, () => undefined),
    (d) => d !== undefined,
    { timeoutMs: 30_000 },
  );
  if (!found) throw new Error(`no execution ${workflowId}`);
  return found;
}

/** Each delivery started its own saga (202, not a duplicate), and Temporal holds one run of each, with its full key. */
async function expectOwnSagas(replies: Reply[], keys: string[], source: string): Promise<string[]> {
  for (const reply of replies) expect({ status: reply.status, duplicate: reply.json?.duplicate }).toEqual({ status: 202, duplicate: false });
  const ids = replies.map((r) => r.json.workflowId as string);
  expect(new Set(ids).size).toBe(ids.length);
  for (const [i, id] of ids.entries()) {
    const d = await described(id);
    expect(d.taskQueue).toBe(taskQueue);
    expect((d.memo as { delivery: { eventKey: string } }).delivery.eventKey).toBe(keys[i]);
    expect(d.searchAttributes).toMatchObject({ WebhookSource: [source], EventKey: [eventKeySearchValue(keys[i]!)] });
  }
  const runs = await eventually(
    () => executionsBy(client, `TaskQueue = '${taskQueue}' AND WorkflowId IN (${ids.map((id) => `'${id}'`).join(', ')})`),
    (m) => m.size === ids.length,
  );
  expect([...runs.values()]).toEqual(ids.map(() => 1));
  return ids;
}

describe('event keys the receiver used to refuse or merge (issue 10)', () => {
  it('row 1: a 2,100-character Samsara eventId starts its saga, found by describe and by the console search', async () => {
    const key = `${randomUUID()}-${'k'.repeat(2100 - 37)}`;
    const reply = await samsara(JSON.stringify(key));
    const [workflowId] = await expectOwnSagas([reply], [key], 'samsara');
    expect(workflowId).toBe(workflowIdFor('samsara', key));
    // The full key also reaches the saga's input.
    const history = await client.workflow.getHandle(workflowId!).fetchHistory();
    const input = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!.data!;
    expect(JSON.parse(Buffer.from(input).toString('utf8')).meta.eventKey).toBe(key);
    // The console's queries, exact and prefix, find it on Temporal.
    for (const eventKey of [key, `${key.slice(0, 60)}*`]) {
      const found = await executionsBy(client, visibilityQuery(sagaFilter.parse({ eventKey, taskQueue })));
      expect([...found.keys()]).toEqual([workflowId]);
    }
    // And a redelivery is still a duplicate.
    expect((await samsara(JSON.stringify(key))).json).toEqual({ workflowId, duplicate: true });
  });

  it('row 1: a key of 600,000 characters (body limit 1 MiB) starts its saga', async () => {
    const key = `${randomUUID()}${'x'.repeat(600_000)}`;
    await expectOwnSagas([await samsara(JSON.stringify(key))], [key], 'samsara');
  });

  it('row 3: body-selected ids keep their lexeme: past 2^53, and 1 / 1.0 / "1" are three events', async () => {
    const big = `9007199254740993${randomInt(1000, 9999)}`;
    const below = String(BigInt(big) - 1n);
    const n = String(randomInt(100_000_000, 999_999_999));
    const lexemes = [big, below, n, JSON.stringify(n), `${n}.0`, '1', '1.0', '"1"', '1e0'];
    const replies: Reply[] = [];
    for (const lexeme of lexemes) replies.push(await declared(lexeme));
    const ids = await expectOwnSagas(replies, [big, below, n, `"${n}"`, `${n}.0`, '1', '1.0', '"1"', '1e0'], HMAC_NAME);
    expect(ids[0]).toBe(`${HMAC_NAME}:${big}`);
    // Each is still deduplicated against itself.
    expect((await declared(big)).json).toEqual({ workflowId: ids[0], duplicate: true });
    expect((await declared('"1"')).json).toEqual({ workflowId: ids[7], duplicate: true });
  });

  it('row 4: a key, then `sha256-<hex of that key>`, are two events', async () => {
    const key = `a b 123 ${randomUUID()}`;
    const literal = `sha256-${createHash('sha256').update(key).digest('hex')}`;
    const replies = [await samsara(JSON.stringify(key)), await samsara(JSON.stringify(literal))];
    await expectOwnSagas(replies, [key, literal], 'samsara');
  });

  it('row 5: keys that differ only in a lone-surrogate escape are different events; invalid UTF-8 is a 400', async () => {
    const base = randomUUID();
    const keys = [`${base} \ud800`, `${base} \udc00`, `${base} \ufffd`, `${base} \ud83d\ude00`];
    // JSON.stringify writes a lone surrogate as its \uXXXX escape: the bytes a sender puts on the wire.
    const replies: Reply[] = [];
    for (const key of keys) replies.push(await samsara(JSON.stringify(key)));
    await expectOwnSagas(replies, keys, 'samsara');

    const before = await executionsBy(client, `TaskQueue = '${taskQueue}'`);
    for (const bad of [0xff, 0xfe, 0xc0]) {
      const reply = await samsara(Buffer.concat([Buffer.from(`"${base} invalid `), Buffer.from([bad]), Buffer.from('"')]));
      expect({ status: reply.status, body: reply.json }).toEqual({ status: 400, body: { error: 'invalid_utf8' } });
    }
    expect((await executionsBy(client, `TaskQueue = '${taskQueue}'`)).size).toBe(before.size);
  });

  it('row 6: Turvo update times below the millisecond, and a tenant named "none" versus none, are different events', async () => {
    const entity = randomInt(1, 2 ** 40);
    const event = (extra: object, lastUpdatedOn: string) => ({
      eventName: 'SHIPMENT_STATUS_UPDATE',
      ...extra,
      eventPayload: { id: entity, lastUpdatedOn, status: { code: { key: '2106', value: 'At delivery' } } },
    });
    const replies = [
      await turvo(event({ tenantId: 40123 }, '2026-11-24T16:45:02.3181234Z')),
      await turvo(event({ tenantId: 40123 }, '2026-11-24T16:45:02.3181235Z')),
      await turvo(event({ tenantId: 40123 }, '2026-11-24T16:45:02.318Z')),
      await turvo(event({}, '2026-11-24T16:45:02.318Z')),
      await turvo(event({ tenantId: 'none' }, '2026-11-24T16:45:02.318Z')),
    ];
    const key = (tenant: string, updated: string) => `SHIPMENT_STATUS_UPDATE.${tenant}.${entity}.s2106.u${updated}`;
    const keys = [
      key('40123', '1795538702318.1234'),
      key('40123', '1795538702318.1235'),
      key('40123', '1795538702318'),
      key('none', '1795538702318'),
      key('@none', '1795538702318'),
    ];
    await expectOwnSagas(replies, keys, 'turvo');
  });
});
