import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { uniqueTaskQueue } from '../support/temporal';
import { PrivateSentinelGroup, PrivateTemporal } from '../intake/support/private-servers';
import { startIntakeReceiver, uniquePrefix, type IntakeReceiver } from '../intake/support/receiver';
import { headersFor, oneReceiverDrivers, pathFor, type SourceDriver } from '../../sources/sender/drivers';
import { executionsBy } from '../intake/support/temporal-truth';
import type { OutgoingDelivery } from '../../sources/types';

/**
 * The Redis failover drill. The receiver finds Redis through three sentinels (REDIS_SENTINELS) and
 * waits for one replica to hold every outbox entry before answering (REDIS_WAIT_REPLICAS=1). Temporal
 * is down for the whole delivery phase, so every 2xx rests on an outbox entry in Redis alone. A third
 * of the way in, the primary is SIGKILLed; the sentinels promote a replica; deliveries go on, each
 * refused one (503) retried as a vendor would. Then Temporal starts, the forwarder drains the outbox
 * from the new primary, and Temporal must hold exactly one execution per event that got a 2xx.
 * Before that, the replica left is stalled (SIGSTOP): a delivery is then refused with 503 rather than
 * accepted on the primary's word alone, and accepted once the replica answers again.
 *
 * Every Redis runs with `appendonly yes` and `appendfsync everysec` (the project's setting); what
 * keeps a write through the failover is the replica's copy, not the dead primary's file.
 */
const TOTAL = Number(process.env.DRILL_DELIVERIES ?? 400);
const RATE_PER_SECOND = 25;
const MAX_IN_FLIGHT = 8;
const KILL_AFTER = 1 / 3;
const RETRY_MS = 250;
const MAX_ATTEMPTS = 120; // 30 s of a vendor's retries

const group = new PrivateSentinelGroup('drill', [6440, 6441, 6442], [6450, 6451, 6452]);
const temporal = new PrivateTemporal('redis-failover', 6470);
const { env: sourcesEnv, drivers } = oneReceiverDrivers();
const prefix = uniquePrefix('redis-failover');
const taskQueue = uniqueTaskQueue('redis-failover');
let receiver: IntakeReceiver;
/** Where the drill is, said in afterAll if it never got to the end (a timeout says nothing of where it hung). */
let phase = 'starting';
/** A delivery the receiver does not answer within this fails the drill instead of hanging it. */
const ANSWER_TIMEOUT_MS = 10_000;

beforeAll(async () => {
  await temporal.destroy(); // a stale file from an interrupted run would add executions
  await group.start();
  receiver = await startIntakeReceiver({
    env: {
      ...sourcesEnv,
      // Only the credentials and db of the URL count: the sentinels name the server.
      REDIS_URL: 'redis://127.0.0.1:6440',
      REDIS_SENTINELS: group.sentinels,
      REDIS_SENTINEL_NAME: group.name,
      REDIS_WAIT_REPLICAS: '1',
      REDIS_WAIT_TIMEOUT_MS: '250',
      REDIS_KEY_PREFIX: prefix,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      TEMPORAL_START_TIMEOUT_MS: '500',
      FORWARDER_MAX_BACKOFF_MS: '1000',
    },
    forwarder: { claimIdleMs: 5000 },
  });
}, 120_000);

afterAll(async () => {
  if (phase !== 'done') console.error(`redis failover drill stopped while ${phase}`);
  await receiver?.close();
  await group.destroy();
  await temporal.destroy();
}, 60_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Accepted {
  workflowId: string;
  status: number;
  /** Its start waits in the outbox: queued by this delivery, or found queued (a retry of one refused 503 after its append). */
  queued: boolean;
  at: number;
  attempts: number;
}

it('keeps every 2xx through a primary killed under load: a replica promoted, deliveries accepted again, one execution each', async () => {
  const events = Array.from({ length: TOTAL }, (_, i) => {
    const driver: SourceDriver = drivers[i % drivers.length]!;
    return { driver, ...driver.newEvent(randomUUID(), Math.floor(i / drivers.length)) };
  });
  const started = Date.now();
  const accepted: Accepted[] = [];
  const unexpected: { workflowId: string; status: number; body: unknown }[] = [];
  let refusals = 0;

  async function deliver(e: { driver: SourceDriver; unsigned: OutgoingDelivery; workflowId: string }): Promise<void> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      if (attempt === MAX_ATTEMPTS) phase = `${phase.split('; ')[0]}; an event refused ${MAX_ATTEMPTS - 1} times (${accepted.length} accepted, ${refusals} refusals)`;
      const message = e.driver.sign(e.unsigned);
      const response = await fetch(`${receiver.url}${pathFor(e.driver.name, message)}`, { method: 'POST', headers: headersFor(message), body: message.body, signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS) });
      const body = (await response.json().catch(() => ({}))) as { queued?: boolean; duplicate?: boolean };
      if (response.status === 202 || response.status === 200) {
        const queued = response.status === 202 ? body.queued === true : body.duplicate === true && attempt > 1;
        accepted.push({ workflowId: e.workflowId, status: response.status, queued, at: Date.now() - started, attempts: attempt });
        return;
      }
      if (response.status !== 503) {
        unexpected.push({ workflowId: e.workflowId, status: response.status, body });
        return;
      }
      refusals++;
      await sleep(RETRY_MS);
    }
  }

  let sent = 0;
  phase = 'delivering';
  let failover: { primary: number; killedAt: number; promoted: number; promotedAt: number } | undefined;
  const drill = (async () => {
    while (sent < TOTAL * KILL_AFTER) await sleep(20);
    const primary = await group.primaryPort();
    const killedAt = Date.now() - started;
    await group.kill(primary);
    phase = `delivering, primary ${primary} killed at ${killedAt} ms, no replica promoted yet`;
    const promoted = await group.promotedFrom(primary).catch((err: Error) => {
      phase = `delivering, primary ${primary} killed at ${killedAt} ms: ${err.message}`;
      throw err;
    });
    failover = { primary, killedAt, promoted, promotedAt: Date.now() - started };
    phase = `delivering, ${promoted} promoted at ${failover.promotedAt} ms`;
  })();

  const inFlight = new Set<Promise<void>>();
  for (const e of events) {
    while (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
    const p = deliver(e).finally(() => inFlight.delete(p));
    inFlight.add(p);
    sent++;
    await sleep(1000 / RATE_PER_SECOND);
  }
  await Promise.all(inFlight);
  phase = `waiting for the failover (${accepted.length} accepted, ${refusals} refused 503)`;
  await drill;
  phase = 'delivering beside a stalled replica';

  // Every delivery ended 2xx (some after retries), all of them queued: Temporal was down.
  expect(unexpected).toEqual([]);
  expect(accepted).toHaveLength(TOTAL);
  expect(accepted.filter((a) => !a.queued)).toEqual([]);
  expect(failover!.promoted).not.toBe(failover!.primary);
  const afterPromotion = accepted.filter((a) => a.at > failover!.promotedAt);
  expect(afterPromotion.length).toBeGreaterThan(TOTAL / 3);

  // A 2xx waits for a replica: with the one left stalled, a delivery is refused, not accepted on the primary's word.
  const replica = group.redisPorts.find((p) => p !== failover!.primary && p !== failover!.promoted)!;
  const extra = drivers[0]!.newEvent(randomUUID());
  const deliverExtra = () => {
    const message = drivers[0]!.sign(extra.unsigned);
    return fetch(`${receiver.url}${pathFor(drivers[0]!.name, message)}`, { method: 'POST', headers: headersFor(message), body: message.body, signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS) });
  };
  group.freeze(replica);
  try {
    expect((await deliverExtra()).status).toBe(503);
  } finally {
    group.thaw(replica);
  }
  // The refused delivery's start did reach the primary: the retry finds it queued, and is answered once the replica holds it.
  const again = await deliverExtra();
  expect([again.status, await again.json()]).toEqual([200, { workflowId: extra.workflowId, duplicate: true }]);
  accepted.push({ workflowId: extra.workflowId, status: 200, queued: true, at: Date.now() - started, attempts: 2 });

  // Temporal comes back; the forwarder drains what the new primary holds.
  phase = 'starting Temporal';
  await temporal.start();
  const connection = await Connection.connect({ address: temporal.address });
  try {
    const client = new Client({ connection });
    const query = `TaskQueue = '${taskQueue}'`;
    let executions = await executionsBy(client, query);
    const deadline = Date.now() + 120_000;
    while (executions.size < accepted.length && Date.now() < deadline) {
      await sleep(1000);
      executions = await executionsBy(client, query);
      phase = `draining: ${executions.size} of ${accepted.length} in Temporal`;
    }
    const lost = accepted.filter((a) => !executions.has(a.workflowId)).map((a) => a.workflowId);
    const twice = [...executions].filter(([, runs]) => runs > 1);
    const stranger = [...executions.keys()].filter((id) => !accepted.some((a) => a.workflowId === id));
    console.log(
      `redis failover drill: ${TOTAL} deliveries (+1 refused while the replica stalled, then accepted), primary ${failover!.primary} killed at ${failover!.killedAt} ms, ` +
        `${failover!.promoted} promoted at ${failover!.promotedAt} ms; ${refusals} answers 503 (retried), ` +
        `${accepted.filter((a) => a.attempts > 1).length} events needed a retry, ${afterPromotion.length} accepted after the promotion; ` +
        `Temporal: ${executions.size} executions, ${lost.length} lost, ${twice.length} twice`,
    );
    expect(lost).toEqual([]);
    expect(twice).toEqual([]);
    expect(stranger).toEqual([]);
    expect(executions.size).toBe(TOTAL + 1);
    phase = 'done';
  } finally {
    await connection.close();
  }
}, 300_000);
