import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { workflowIdFor } from '../../core/workflow-id';
import { routeTable } from '../../sources/engine/route';
import { allContractCases, fixturesOf, sign } from '../contract/cases';
import { DIRECT_STARTS, post, startReceiver, type TestReceiver } from '../support/receiver';
import { uniqueTaskQueue } from '../support/temporal';
import { eventually } from '../support/eventually';

/**
 * What the receiver refuses to start with (issue rows 7 and 8): the real receiver process, as
 * `npm run receiver` runs it, exits at once naming the field; and what the repaired contract
 * config does with a replayed delivery whose routing header was changed, asked of Temporal.
 */
const ROOT = join(__dirname, '..', '..');

function startReceiverProcess(sourcesConfig: object): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      join(ROOT, 'node_modules', '.bin', 'tsx'),
      ['src/server.ts'],
      {
        cwd: ROOT,
        timeout: 60_000,
        env: { PATH: process.env.PATH, NODE_ENV: 'test', PORT: '0', REDIS_URL: process.env.REDIS_URL, TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS, SOURCES_CONFIG: JSON.stringify(sourcesConfig) },
      },
      (_err, stdout, stderr) => resolve({ code: child.exitCode, output: `${stdout}${stderr}` }),
    );
  });
}

const yard = {
  kind: 'hmac',
  secrets: ['yard-secret'],
  signature: { header: 'x-yard-signature', encoding: 'hex', prefix: 'sha256=' },
  signedString: '{body}',
  eventKey: 'body:id',
  eventType: 'body:type',
  routes: { 'appointment.checked_in': 'recordEventSaga' },
};

describe('start-up refusals of the real receiver process', () => {
  it('refuses a route to a saga that does not exist, naming the endpoint, the route and the sagas that exist (issue row 7)', async () => {
    const { code, output } = await startReceiverProcess({ yard: { ...yard, routes: { 'appointment.checked_in': 'recordEventSag' } } });
    expect(code).toBe(1);
    expect(output).toContain('SOURCES_CONFIG yard.routes.appointment.checked_in: \\"recordEventSag\\" is not a saga the worker registers');
    expect(output).toMatch(/sagas: samsaraRouteStopSaga, .*recordEventSaga/);
    expect(output).not.toContain('receiver listening');
  }, 90_000);

  it('refuses an event key or type read from a header the signature does not cover (issue row 8)', async () => {
    const { code, output } = await startReceiverProcess({ yard: { ...yard, eventKey: 'header:x-yard-event-id', eventType: 'header:x-yard-event-type' } });
    expect(code).toBe(1);
    expect(output).toContain('SOURCES_CONFIG yard.eventKey: header x-yard-event-id is not covered by the signature');
    expect(output).toContain('SOURCES_CONFIG yard.eventType: header x-yard-event-type is not covered by the signature');
  }, 90_000);

  it('types code sources\' route tables by saga name', () => {
    // @ts-expect-error a misspelt saga fails the type-check (npx tsc), before any start-up
    expect(() => routeTable({ 'order.created': 'recordEventSag' })).not.toThrow();
  });
});

describe('a key read from a signed header (the contract config yard-id-header)', () => {
  const c = allContractCases().find((x) => x.instance.config.name === 'yard-id-header')!;
  const taskQueue = uniqueTaskQueue('startup-checks');
  let receiver: TestReceiver;
  const started: string[] = [];

  beforeAll(async () => {
    receiver = await startReceiver({ ...c.env, TEMPORAL_TASK_QUEUE: taskQueue, ...DIRECT_STARTS });
  });

  afterAll(async () => {
    for (const id of started) await receiver.client.workflow.getHandle(id).terminate('startup-checks test done').catch(() => undefined);
    await receiver?.close();
  });

  async function exists(workflowId: string): Promise<boolean> {
    try {
      await receiver.client.workflow.getHandle(workflowId).describe();
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  it('starts one saga per captured delivery: a replay with a new id or type header starts nothing new', async () => {
    const { sender } = c.instance.definition;
    const { config } = c.instance;
    const fixture = fixturesOf(c).find((f) => f.name === 'appointment-checked-in')!;
    const key = `evt_${randomUUID()}`;
    const captured = sign(c, sender.fresh(fixture.message, config, randomUUID()));
    const url = `${receiver.url}/webhooks/${config.name}`;
    const first = await post(url, captured.body, { ...captured.headers });
    expect(first.status).toBe(202);
    started.push(first.json.workflowId);

    const newId = await post(url, captured.body, { ...captured.headers, 'x-yard-event-id': key });
    expect([newId.status, newId.json]).toEqual([401, { error: 'signature_mismatch' }]);
    expect(await exists(workflowIdFor(config.name, key))).toBe(false);

    // The type header is not what routes: the replay is the same event, answered as a duplicate.
    const newType = await post(url, captured.body, { ...captured.headers, 'x-yard-event-type': 'appointment.departed' });
    expect([newType.status, newType.json?.duplicate, newType.json?.workflowId]).toEqual([200, true, first.json.workflowId]);
    expect(await exists(first.json.workflowId)).toBe(true);
    // Visibility lags a little behind describe(): wait for the run to be listed, then count them all.
    const count = async () => (await receiver.client.workflow.count(`TaskQueue = '${taskQueue}'`)).count;
    expect(await eventually(count, (n) => n > 0, { timeoutMs: 5_000, everyMs: 100 })).toBe(1);
  });
});
