import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { signSamsara } from '../../sources/samsara/verify';
import { fixtureWith } from '../support/fixtures';
import { DIRECT_STARTS, post } from '../support/receiver';
import { deletePrefix, startIntakeReceiver, uniquePrefix, type IntakeReceiver } from '../intake/support/receiver';
import { uniqueTaskQueue } from '../support/temporal';
import { OPS_ENV, OPS_SECRET, SAMSARA_SECRET, call, token } from './support';

/**
 * A console caller's mistakes are answered 4xx with a reason, never 500, and a refused token learns
 * nothing about the configuration. Real receiver and Temporal; no worker (nothing here runs a saga).
 */
const taskQueue = uniqueTaskQueue('ops-mistakes');
let receiver: IntakeReceiver;
let api: string;
let workflowId: string;
const prefix = uniquePrefix('ops-mistakes');

beforeAll(async () => {
  // Wired as src/server.ts wires it: the Temporal client makes no gRPC retries, so a refusal is answered at once.
  receiver = await startIntakeReceiver({
    env: { ...OPS_ENV, SAMSARA_WEBHOOK_SECRETS: SAMSARA_SECRET, TEMPORAL_TASK_QUEUE: taskQueue, ...DIRECT_STARTS, REDIS_KEY_PREFIX: prefix },
  });
  api = `${receiver.url}/ops/api`;
  const body = fixtureWith('samsara', 'route-stop-arrival', { eventId: randomUUID() });
  const res = await post(`${receiver.url}/webhooks/samsara`, body, signSamsara(body, SAMSARA_SECRET, Math.floor(Date.now() / 1000)));
  expect(res.status).toBe(202);
  workflowId = res.json.workflowId;
});

afterAll(async () => {
  await receiver.client.workflow.getHandle(workflowId).terminate('client-mistakes test done').catch(() => undefined);
  await deletePrefix(receiver.redis, prefix);
  await receiver?.close();
});

describe('console API client mistakes (issue row 12)', () => {
  it.each([
    ['a page token Temporal never gave out', '/sagas?pageToken=AAAA', 'bad_page_token', undefined],
    ['a page token that is not base64url', '/sagas?pageToken=%24%24%24', 'bad_page_token', undefined],
    ['a run id that is no run id', '/sagas/WORKFLOW?runId=bogus', 'bad_run_id', 'runId'],
    ['a page size out of range', '/sagas?pageSize=5000', 'bad_request', undefined],
    ['a page token Temporal cannot read', `/sagas?pageToken=${Buffer.from('{"RunID":"zz","StartTime":"nope"}').toString('base64url')}`, 'bad_page_token', undefined],
    ['a start time that is no date', '/sagas?from=yesterday-ish', 'bad_filter', 'from'],
    ['a filter given twice', '/counts?source=samsara&source=turvo', 'bad_filter', 'source'],
    ['a flag that is neither true nor false', '/sagas?includePermanent=maybe', 'bad_filter', 'includePermanent'],
    ['a search without a query', '/search?q=%20', 'bad_request', 'q'],
    ['a dead letter filter that is no name', '/dead-letters?cause=front%20422', 'bad_filter', 'cause'],
    ['an audit page that is no entry id', '/audit?before=yesterday', 'bad_page_token', undefined],
    ['an audit filter given twice', '/audit?actor=a&actor=b', 'bad_filter', 'actor'],
  ])('answers %s with 400 and a reason', async (_what, path, reason, field) => {
    const res = await call(`${api}${path.replace('WORKFLOW', encodeURIComponent(workflowId))}`, token('viewer'));
    expect([res.status, res.json?.error, res.json?.field]).toEqual([400, reason, field]);
  });

  it('brings a dead letter or audit limit out of range into range, as the CLI relies on', async () => {
    for (const path of ['/dead-letters?limit=5000', '/audit?limit=0', '/audit?limit=2.5']) expect([path, (await call(`${api}${path}`, token('viewer'))).status]).toEqual([path, 200]);
  });

  it.each([
    ['a bulk replay without the dry run count', '/replays', { filter: {} }, 'confirmation_required'],
    ['a bulk re-queue with a count of 0', '/dead-letters/requeue', { expect: 0 }, 'confirmation_required'],
    ['a filter that is not an object', '/replays/preview', { filter: 'everything' }, 'bad_request'],
    ['a body filter with an unknown outcome', '/replays/preview', { filter: { outcome: 'exploded' } }, 'bad_filter'],
  ])('refuses %s with 400 and a reason', async (_what, path, body, reason) => {
    const res = await call(`${api}${path}`, token('operator'), { body });
    expect([res.status, res.json?.error]).toEqual([400, reason]);
  });

  it('answers a well-formed run id that does not exist with 404, and the real one with the saga', async () => {
    const viewer = token('viewer');
    const missing = await call(`${api}/sagas/${encodeURIComponent(workflowId)}?runId=${randomUUID()}`, viewer);
    expect([missing.status, missing.json?.error]).toEqual([404, 'saga_not_found']);
    const { runId } = await receiver.client.workflow.getHandle(workflowId).describe();
    const found = await call(`${api}/sagas/${encodeURIComponent(workflowId)}?runId=${runId}`, viewer);
    expect([found.status, found.json?.runId]).toEqual([200, runId]);
  });

  it('refuses a replay whose expected run id is no run id with 400, and starts nothing', async () => {
    const res = await call(`${api}/sagas/${encodeURIComponent(workflowId)}/replay`, token('operator'), { body: { runId: 'bogus' } });
    expect([res.status, res.json?.error]).toEqual([400, 'bad_run_id']);
    let runs = 0;
    for await (const _ of receiver.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs++;
    expect(runs).toBe(1);
  });

  it.each([5_000, 100_000])('refuses a JSON body nested %i levels deep with 400 body_too_deep (or 413 past the 16 KB limit)', async (depth) => {
    const body = `{"filter":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    const res = await fetch(`${api}/replays/preview`, { method: 'POST', headers: { authorization: `Bearer ${token('operator')}`, 'content-type': 'application/json' }, body });
    const json = (await res.json()) as { error?: string };
    expect([res.status, json.error]).toEqual(depth * 2 > 16 * 1024 ? [413, 'bad_request'] : [400, 'body_too_deep']);
  });
});

describe('console 401s', () => {
  const base = { sub: 'mallory', roles: ['operator'] };
  it.each([
    ['another audience', jwt.sign(base, OPS_SECRET, { issuer: OPS_ENV.OPS_JWT_ISSUER, audience: 'another-app', expiresIn: '5m' })],
    ['another issuer', jwt.sign(base, OPS_SECRET, { issuer: 'someone-else', audience: OPS_ENV.OPS_JWT_AUDIENCE, expiresIn: '5m' })],
  ])('do not disclose the expected issuer or audience (token for %s)', async (_what, bearer) => {
    const res = await fetch(`${api}/sagas`, { headers: { authorization: `Bearer ${bearer}` } });
    const text = await res.text();
    expect(res.status).toBe(401);
    expect(text).not.toContain(OPS_ENV.OPS_JWT_AUDIENCE);
    expect(text).not.toContain(OPS_ENV.OPS_JWT_ISSUER);
    expect(JSON.parse(text)).toEqual({ error: 'invalid_token', message: 'token not accepted' });
  });
});
