import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_DIR } from '../../scripts/lib/stack';
import { uniqueTaskQueue } from '../support/temporal';
import { PrivateTemporal } from '../intake/support/private-servers';
import { deletePrefix, startIntakeReceiver, uniquePrefix, type IntakeReceiver } from '../intake/support/receiver';
import { headersFor, oneReceiverDrivers, pathFor, type SourceDriver } from '../../sources/sender/drivers';
import { capturingLogger } from '../intake/support/logs';
import { executionsBy } from '../intake/support/temporal-truth';
import type { OutgoingDelivery } from '../../sources/types';

/**
 * The outage drill: ~1,000 signed deliveries across every registered source, 10% of them repeats,
 * while the Temporal server is stopped for ~10 s in the middle and started again: deliveries come
 * before, during (about 450, all into the outbox: nine times its forwarder's batch) and after, and
 * the outage outlasts every retry and claim interval of the intake (at most 5 s here), so a larger
 * drill proves nothing more (DRILL_DELIVERIES makes one). A vendor that got
 * a 2xx never sends again, so every 2xx must end as exactly one workflow execution. The verdict is
 * read from Temporal's visibility, not from anything the receiver counted.
 */
const TOTAL = Number(process.env.DRILL_DELIVERIES ?? 1000);
const DUPLICATE_SHARE = 0.1;
const RATE_PER_SECOND = 45;
const MAX_IN_FLIGHT = 16;
const OUTAGE_AFTER = 0.25; // share of deliveries sent before Temporal is stopped
const OUTAGE_MS = 10_000;

const temporal = new PrivateTemporal('outage-drill', 7255);
// Once: each kit makes fresh keys every time its examples are asked for.
const { env: sourcesEnv, drivers } = oneReceiverDrivers();
const prefix = uniquePrefix('outage');
const taskQueue = uniqueTaskQueue('outage-drill');
let receiver: IntakeReceiver;
const log = capturingLogger('info');

interface Planned {
  driver: SourceDriver;
  unsigned: OutgoingDelivery;
  workflowId: string;
  repeat: boolean;
}

/** Unique events round-robin over the sources, each repeat placed somewhere after its original. */
function plan(drivers: SourceDriver[]): Planned[] {
  const uniqueCount = Math.round(TOTAL * (1 - DUPLICATE_SHARE));
  const list: Planned[] = [];
  for (let i = 0; i < uniqueCount; i++) {
    const driver = drivers[i % drivers.length]!;
    const { unsigned, workflowId } = driver.newEvent(randomUUID(), Math.floor(i / drivers.length));
    list.push({ driver, unsigned, workflowId, repeat: false });
  }
  for (let d = 0; d < TOTAL - uniqueCount; d++) {
    const originalAt = Math.floor(Math.random() * list.length);
    const at = originalAt + 1 + Math.floor(Math.random() * (list.length - originalAt));
    list.splice(at, 0, { ...list[originalAt]!, repeat: true });
  }
  return list;
}

beforeAll(async () => {
  await temporal.destroy(); // a stale file from an interrupted run would add executions
  await temporal.start();
  receiver = await startIntakeReceiver({
    env: {
      ...sourcesEnv,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      REDIS_KEY_PREFIX: prefix,
      TEMPORAL_START_TIMEOUT_MS: '1000',
      FORWARDER_MAX_BACKOFF_MS: '1000',
    },
    forwarder: { claimIdleMs: 5000 },
    logger: log.logger,
  });
}, 120_000);

afterAll(async () => {
  await receiver?.close();
  if (receiver) await deletePrefix(receiver.redis, prefix).catch(() => undefined);
  await temporal.destroy();
}, 60_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('keeps every accepted delivery through a Temporal outage: one execution per event, no 5xx', async () => {
  const deliveries = plan(drivers);
  const expected = new Set(deliveries.map((d) => d.workflowId));
  expect(expected.size).toBe(deliveries.filter((d) => !d.repeat).length);

  const statuses = new Map<number, number>();
  const serverErrors: { at: number; status: number; workflowId: string }[] = [];
  let queued = 0;
  let duplicates = 0;
  const started = Date.now();
  let outage: { from: number; to: number } | undefined;

  async function send(d: Planned): Promise<void> {
    const message = d.driver.sign(d.unsigned);
    const response = await fetch(`${receiver.url}${pathFor(d.driver.name, message)}`, { method: 'POST', headers: headersFor(message), body: message.body });
    const json = (await response.json().catch(() => ({}))) as { queued?: boolean; duplicate?: boolean };
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    if (response.status >= 500) serverErrors.push({ at: Date.now() - started, status: response.status, workflowId: d.workflowId });
    if (json.queued) queued++;
    if (json.duplicate) duplicates++;
  }

  let sent = 0;
  // The outage runs beside the sender: stop after a quarter of the deliveries, start again 10 s later.
  const outageDone = (async () => {
    while (sent < deliveries.length * OUTAGE_AFTER) await sleep(50);
    const from = Date.now();
    await temporal.stop();
    await sleep(OUTAGE_MS - (Date.now() - from));
    await temporal.start();
    outage = { from: from - started, to: Date.now() - started };
  })();

  const inFlight = new Set<Promise<void>>();
  for (const d of deliveries) {
    while (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
    const p = send(d).finally(() => inFlight.delete(p));
    inFlight.add(p);
    sent++;
    await sleep(1000 / RATE_PER_SECOND);
  }
  await Promise.all(inFlight);
  await outageDone;
  const sendingMs = Date.now() - started;

  // Drained: the outbox holds only what Temporal has not taken yet.
  const drainDeadline = Date.now() + 90_000;
  let stats = await receiver.parts.outbox.stats();
  while ((stats.backlog > 0 || stats.pending > 0) && Date.now() < drainDeadline) {
    await sleep(250);
    stats = await receiver.parts.outbox.stats();
  }
  const drainedMs = Date.now() - started;

  // The verdict, from Temporal: visibility is eventually consistent, so wait for it to settle.
  const query = `TaskQueue = '${taskQueue}'`;
  let executions = await executionsBy(receiver.client, query);
  const visibilityDeadline = Date.now() + 60_000;
  while ([...executions.values()].reduce((a, b) => a + b, 0) < expected.size && Date.now() < visibilityDeadline) {
    await sleep(1000);
    executions = await executionsBy(receiver.client, query);
  }

  const report = {
    deliveries: deliveries.length,
    uniqueEvents: expected.size,
    repeats: deliveries.length - expected.size,
    sources: drivers.map((d) => d.name),
    statuses: Object.fromEntries(statuses),
    answeredQueued: queued,
    answeredDuplicate: duplicates,
    serverErrors: serverErrors.length,
    outageMs: outage,
    sendingMs,
    drainedAtMs: drainedMs,
    workflowIdsInTemporal: executions.size,
    idsWithMoreThanOneRun: [...executions.values()].filter((n) => n > 1).length,
    // State changes are logged once each (src/intake/admission.ts), not once per delivery or start.
    admissionChanges: log.entries().filter((e) => String(e.message).startsWith('temporal behind') || String(e.message).startsWith('temporal caught up')).length,
    forwarderStalls: log.entries().filter((e) => e.message === 'temporal does not take queued starts: the outbox is not draining').length,
  };
  mkdirSync(join(DATA_DIR, 'drills'), { recursive: true });
  writeFileSync(join(DATA_DIR, 'drills', 'outage.json'), JSON.stringify(report, null, 2));
  console.log(`outage drill: ${JSON.stringify(report)}`);

  expect(outage).toBeDefined();
  expect(serverErrors).toEqual([]);
  expect([...statuses.keys()].every((s) => s === 200 || s === 202)).toBe(true);
  expect(queued).toBeGreaterThan(0); // the outage really happened while deliveries came in
  expect(stats).toMatchObject({ backlog: 0, pending: 0, deadLetters: 0 });
  const missing = [...expected].filter((id) => !executions.has(id));
  const unexpected = [...executions.keys()].filter((id) => !expected.has(id));
  expect({ missing: missing.length, unexpected: unexpected.length }).toEqual({ missing: 0, unexpected: 0 });
  expect(report.idsWithMoreThanOneRun).toBe(0);
}, 240_000);
