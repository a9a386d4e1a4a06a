import { DIRECT_STARTS } from '../support/receiver';
import { FRONT_REFUSES_COMMENTS, call, sagaEnd, startOpsStack, token, type OpsStack } from './support';
import { until } from '../support/eventually';

/**
 * Bulk replay of 20 sagas that failed the same way, on the real Temporal server: more than twice
 * the job's concurrency (8), so it replays them in several rounds.
 */
const COUNT = 20;
let stack: OpsStack;
let api: string;
const operator = token('operator', 'oncall-bob');

beforeAll(async () => {
  stack = await startOpsStack('ops-bulk', { OPS_REPLAY_CONCURRENCY: '8', ...DIRECT_STARTS });
  api = `${stack.receiver.url}/ops/api`;
  await stack.sandbox.fail(FRONT_REFUSES_COMMENTS);
  const ids = await Promise.all(Array.from({ length: COUNT }, () => stack.deliver()));
  const ends = await Promise.all(ids.map((id) => sagaEnd(stack.receiver.client, id)));
  expect(ends.filter((e) => e === 'failed')).toHaveLength(COUNT);
  await stack.sandbox.clearFaults();
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

const filter = () => ({ outcome: 'failed', taskQueue: stack.taskQueue });

describe('bulk replay', () => {
  it(`dry-runs, insists on the count, replays all ${COUNT} with limited concurrency and reports ${COUNT} done`, async () => {
    const preview = await until(async () => {
      const res = await call(`${api}/replays/preview`, operator, { body: { filter: filter() } });
      return res.json.count === COUNT ? res.json : undefined;
    }, 30_000, 'the failed sagas in visibility');
    expect(preview).toMatchObject({ count: COUNT, alreadyReplayed: 0, truncated: false, filter: filter() });
    expect(new Set(preview.items.map((i) => i.workflowId)).size).toBe(COUNT);

    // A stale or made-up confirmation is refused, and nothing is replayed.
    const wrong = await call(`${api}/replays`, operator, { body: { filter: filter(), expect: COUNT - 1 } });
    expect(wrong).toMatchObject({ status: 409, json: { error: 'count_changed', count: COUNT } });
    expect((await call(`${api}/replays`, token('viewer'), { body: { filter: filter(), expect: COUNT } })).status).toBe(403);

    const started = await call(`${api}/replays`, operator, { body: { filter: filter(), expect: COUNT } });
    expect(started).toMatchObject({ status: 202, json: { jobId: expect.any(String), total: COUNT } });

    const seen: number[] = [];
    const job = await until(async () => {
      const res = await call(`${api}/replays/${started.json.jobId}`, token('viewer'));
      seen.push(res.json.replayed);
      return res.json.state === 'done' ? res.json : undefined;
    }, 60_000, 'the bulk replay job');
    expect(job).toMatchObject({ total: COUNT, replayed: COUNT, refused: 0, errors: 0, actor: 'oncall-bob', outcomes: { completed: COUNT, failedAgain: 0, running: 0 } });
    expect(job.results).toHaveLength(COUNT);

    // Every saga now completes under its own workflow ID.
    const outcomes = await Promise.all(
      job.results.map((r) => stack.receiver.client.workflow.getHandle(r.workflowId, r.runId).result().then(() => 'ok')),
    );
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(COUNT);

    // Nothing is left to replay: the failed runs are marked replayed.
    const after = await until(async () => {
      const res = await call(`${api}/replays/preview`, operator, { body: { filter: filter() } });
      return res.json.alreadyReplayed === COUNT ? res.json : undefined;
    }, 20_000, 'the replayed marks');
    expect(after.count).toBe(0);

    // The audit has one entry per saga plus the job's start and finish.
    const entries = (await call(`${api}/audit?limit=500`, operator)).json.entries.filter((e) => e.jobId === started.json.jobId);
    expect(entries.filter((e) => e.action === 'replay')).toHaveLength(COUNT);
    expect(entries.map((e) => e.action)).toEqual(expect.arrayContaining(['bulk_replay_started', 'bulk_replay_finished']));
    expect(entries.find((e) => e.action === 'bulk_replay_finished')).toMatchObject({ counts: { total: COUNT, replayed: COUNT } });
  });

  it('refuses outcomes that can never be replayed', async () => {
    const res = await call(`${api}/replays/preview`, operator, { body: { filter: { outcome: 'completed', taskQueue: stack.taskQueue } } });
    expect(res).toMatchObject({ status: 400, json: { error: 'bad_filter' } });
  });
});
