import { randomUUID } from 'node:crypto';
import { ServiceUnavailableError } from '../../core/errors';
import type { SagaInput, SagaInputRef } from '../../core/saga/input';
import { workflowIdFor } from '../../core/workflow-id';
import { loadConfig } from '../../src/config';
import { Admission } from '../../src/intake/admission';
import { durableIntake, INLINE_CEILING_BYTES } from '../../src/intake/durable-intake';
import { DependencyState } from '../../src/intake/health-state';
import { memoryCachedLedger, UNKNOWN_RUN } from '../../src/intake/ledger';
import { lazyTemporalClient } from '../../src/intake/temporal';
import { silentLogger } from '../../src/logger';
import { memoryLedger, memoryOutbox, memoryPayloadStore } from '../support/memory-stores';
import { silentPort } from '../support/ports';

/**
 * The durable intake's decisions (unit tier: no Temporal, no Redis). The stores are in memory
 * (test/support/memory-stores.ts) and Temporal is a port that never answers, so every start the
 * intake makes costs its whole deadline: a delivery answered sooner was not sent to Temporal. What
 * needs Redis or Temporal themselves (atomic writes, the stream and its forwarders, dedup across
 * receivers, failover) is in the other files of test/intake/ and in test/drills/.
 */
const START_TIMEOUT_MS = 400;
const LARGE_PAYLOAD_BYTES = 1024;

let silent: Awaited<ReturnType<typeof silentPort>>;
let temporal: ReturnType<typeof lazyTemporalClient>;

beforeAll(async () => {
  silent = await silentPort();
  temporal = lazyTemporalClient(loadConfig({ NODE_ENV: 'test', TEMPORAL_ADDRESS: `127.0.0.1:${silent.port}` }));
});

afterAll(async () => {
  await temporal.connection.close().catch(() => undefined);
  await silent.close();
});

function intakeWith() {
  const logger = silentLogger();
  const stores = { ledger: memoryLedger(), outbox: memoryOutbox(), payloads: memoryPayloadStore() };
  const admission = new Admission({ maxInFlight: 10, latencyBudgetMs: 1000, holdMs: 60_000, logger });
  const intake = durableIntake({
    client: temporal.client,
    taskQueue: 'unit',
    startTimeoutMs: START_TIMEOUT_MS,
    admission,
    retryAfterSeconds: 5,
    largePayloadBytes: LARGE_PAYLOAD_BYTES,
    state: new DependencyState(logger),
    ...stores,
  });
  return { intake, ...stores };
}

function request(event: unknown) {
  const eventKey = randomUUID();
  const workflowId = workflowIdFor('samsara', eventKey);
  const input: SagaInput = { meta: { source: 'samsara', eventKey, eventType: 'RouteStopArrival', workflowId, receivedAt: new Date().toISOString() }, event };
  return { workflowId, saga: 'samsaraRouteStopSaga', input };
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await work();
  return { value, ms: Date.now() - started };
}

describe('durable intake decisions', () => {
  it('skips Temporal during the cool-down after a failure, so queued answers are fast', async () => {
    const { intake, outbox } = intakeWith();
    const first = request({ n: 1 });
    const opened = await timed(() => intake.submit(first, silentLogger()));
    expect(opened.value).toEqual({ workflowId: first.workflowId, queued: true, duplicate: false });
    expect(opened.ms).toBeGreaterThanOrEqual(START_TIMEOUT_MS - 50); // it waited on Temporal

    const second = request({ n: 2 });
    const skipped = await timed(() => intake.submit(second, silentLogger()));
    expect(skipped.value).toEqual({ workflowId: second.workflowId, queued: true, duplicate: false });
    expect(skipped.ms).toBeLessThan(START_TIMEOUT_MS / 2);
    expect(outbox.starts.map((s) => s.workflowId)).toEqual([first.workflowId, second.workflowId]);
  });

  it('queues a large event by reference: the outbox entry holds the stored bytes\' address, not the bytes', async () => {
    const { intake, outbox, payloads } = intakeWith();
    const event = { pad: 'x'.repeat(LARGE_PAYLOAD_BYTES) };
    expect(await intake.submit(request(event), silentLogger())).toMatchObject({ queued: true });
    const queued = outbox.starts[0]!.input as SagaInputRef;
    expect(queued).not.toHaveProperty('event');
    expect(queued.eventRef).toEqual({ store: 'memory', key: queued.eventRef.sha256, bytes: Buffer.byteLength(JSON.stringify(event)), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(JSON.parse((await payloads.get(queued.eventRef))!.toString('utf8'))).toEqual(event);
  });

  it('refuses with 503 an event too large to travel inline when the payload store is down, and writes nothing', async () => {
    const { intake, outbox, payloads } = intakeWith();
    payloads.down = true;
    const refused = await intake.submit(request({ pad: 'x'.repeat(INLINE_CEILING_BYTES) }), silentLogger()).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ServiceUnavailableError);
    expect(refused).toMatchObject({ status: 503, reason: 'payload_store_unavailable', retryAfterSeconds: 5 });
    expect(outbox.starts).toEqual([]);
  });
});

describe('in-memory ledger copy', () => {
  it('answers repeats from memory, then from the ledger it fronts, and forgets the oldest past its size', async () => {
    const inner = memoryLedger();
    let reads = 0;
    const counted = { find: (id: string) => (reads++, inner.find(id)), record: (id: string, runId: string) => inner.record(id, runId) };
    const ledger = memoryCachedLedger(counted, { max: 2, ttlSeconds: 60 });
    await ledger.record('a', 'run-a');
    await ledger.record('b', 'run-b');
    expect(await ledger.find('a')).toBe('run-a');
    expect(reads).toBe(0);
    await ledger.record('c', 'run-c'); // evicts the least recently used: 'b' ('a' was just read)
    expect(await ledger.find('b')).toBe('run-b');
    expect(reads).toBe(1);
    expect(await ledger.find('missing')).toBeUndefined();
    expect(reads).toBe(2);
    // "Already started" never replaces a known run id.
    await ledger.record('c', UNKNOWN_RUN);
    expect(await ledger.find('c')).toBe('run-c');
  });
});
