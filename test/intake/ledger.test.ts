import { randomUUID } from 'node:crypto';
import { signSamsara } from '../../sources/samsara/verify';
import { redisKeys } from '../../src/intake/redis';
import { workflowIdFor } from '../../core/workflow-id';
import { fixtureWith } from '../support/fixtures';
import { uniqueTaskQueue } from '../support/temporal';
import { deletePrefix, postRaw, startIntakeReceiver, uniquePrefix, type IntakeReceiver } from './support/receiver';
import { eventually } from '../support/eventually';
import { runsOf } from './support/temporal-truth';
import { DIRECT_STARTS } from '../support/receiver';

/**
 * Temporal forgets a closed run after the namespace's retention; the ledger must not. Deleting the
 * run from Temporal stands in for retention passing.
 */
const SECRET = Buffer.from('ledger-secret').toString('base64');
const prefix = uniquePrefix('ledger');
// The Redis ledger alone (no in-memory copy): what a receiver that never saw the event relies on.
const env = { SAMSARA_WEBHOOK_SECRETS: SECRET, TEMPORAL_TASK_QUEUE: uniqueTaskQueue('ledger'), REDIS_KEY_PREFIX: prefix, LEDGER_MEMORY_ENTRIES: '0', ...DIRECT_STARTS };

let receiver: IntakeReceiver;

beforeAll(async () => {
  receiver = await startIntakeReceiver({ env });
});

afterAll(async () => {
  await deletePrefix(receiver.redis, prefix);
  await receiver?.close();
});

function deliver(body: Buffer) {
  return postRaw(`${receiver.url}/webhooks/samsara`, body, signSamsara(body, SECRET, Math.floor(Date.now() / 1000)));
}

/**
 * Deletes the run (no worker runs it), as retention would once it closed. Deleting it while it runs
 * makes Temporal terminate and delete it in one go; a run terminated first is deleted only after its
 * close tasks, retried with backoff, which took ~10 s alone and minutes on a busy server.
 */
async function forgetInTemporal(workflowId: string): Promise<void> {
  const handle = receiver.client.workflow.getHandle(workflowId);
  const { runId } = await handle.describe();
  await receiver.client.workflowService.deleteWorkflowExecution({
    namespace: receiver.config.temporal.namespace,
    workflowExecution: { workflowId, runId },
  });
  const gone = await eventually(
    () => handle.describe().then(() => false, () => true),
    (v) => v,
    // Deletion is asynchronous in Temporal: generous for a loaded server.
    { timeoutMs: 150_000, everyMs: 250 },
  );
  expect(gone).toBe(true);
}

describe('dedup ledger', () => {
  // Two events, each delivered and deleted from Temporal.
  const kept = randomUUID();
  const dropped = randomUUID();
  const body = (eventId: string) => fixtureWith('samsara', 'route-stop-arrival', { eventId });

  beforeAll(async () => {
    for (const eventId of [kept, dropped]) expect((await deliver(body(eventId))).status).toBe(202);
    await Promise.all([kept, dropped].map((eventId) => forgetInTemporal(workflowIdFor('samsara', eventId))));
    // Only the ledger entry of `dropped` is removed: the control case.
    await receiver.redis.del(redisKeys(prefix).ledger(workflowIdFor('samsara', dropped)));
  }, 200_000);

  it('answers a redelivery as a duplicate after its run was deleted from Temporal', async () => {
    const workflowId = workflowIdFor('samsara', kept);
    const again = await deliver(body(kept));
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ workflowId, duplicate: true });
    expect(await runsOf(receiver.client, workflowId)).toBe(0);
  });

  it('without its ledger entry, the same redelivery would have started a second saga (what the ledger prevents)', async () => {
    const again = await deliver(body(dropped));
    expect(again.status).toBe(202);
    expect(again.json).toMatchObject({ workflowId: workflowIdFor('samsara', dropped), duplicate: false });
  });

  it('lets concurrent first deliveries race: Temporal, not the ledger, decides the one winner', async () => {
    const eventId = randomUUID();
    const body = fixtureWith('samsara', 'route-stop-arrival', { eventId });
    const results = await Promise.all(Array.from({ length: 20 }, () => deliver(body)));
    expect(results.filter((r) => r.status === 202)).toHaveLength(1);
    expect(results.filter((r) => r.status === 200 && r.json.duplicate === true)).toHaveLength(19);
    const workflowId = workflowIdFor('samsara', eventId);
    await eventually(() => runsOf(receiver.client, workflowId), (n) => n === 1);
    expect(await runsOf(receiver.client, workflowId)).toBe(1);
    // The ledger holds the winner's run id, not the "already started" marker of a loser.
    const { runId } = await receiver.client.workflow.getHandle(workflowId).describe();
    expect(await receiver.redis.get(redisKeys(prefix).ledger(workflowId))).toBe(runId);
  });
});
