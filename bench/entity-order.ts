/**
 * Scenario (h) of `npm run bench`: what entity order costs (README, "Sagas" → "Entity order").
 *   ordered:   100 Turvo shipments × 10 SHIPMENT_STATUS_UPDATEs each, increasing vendor times: each
 *              shipment's sagas take turns on its entity lock
 *   unordered: as many events for 1,000 shipments, one each: every saga still takes a turn, but none waits
 * Both go through the receiver, a worker runs the sagas against the downstream sandbox, and a batch's
 * time runs from its first delivery to the close time Temporal records for its last saga. Rounds
 * alternate on the bench's Temporal server, as (b) and (c) do, because the dev server's rate drifts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { SagaOutcome } from '../core/saga/search-attributes';
import { ROOT } from '../scripts/lib/stack';
import type { EventFactory } from './events';
import { httpPoster, record, type Sample } from './load';

const ENTITIES = 100;
const EVENTS_PER_ENTITY = 10;
const EVENTS = ENTITIES * EVENTS_PER_ENTITY;
const WARMUP_EVENTS = 20;
const SAGA = 'turvoShipmentStatusSaga';
export const ENTITY_ORDER_TARGET = 0.8;
/** Bounds: a batch that has not closed in this long fails the run with its counts. */
const BATCH_TIMEOUT_MS = Number(process.env.BENCH_H_TIMEOUT_SECONDS ?? 600) * 1000;
/** Visibility is polled, not watched: every query loads the server the sagas run on. */
const POLL_MS = 1000;
const BASE = Date.parse('2026-11-24T08:00:00.000Z');

export interface OrderBatch {
  events: number;
  seconds: number;
  eventsPerSecond: number;
  superseded: number;
}

export interface EntityOrderResult {
  taskQueue: string;
  rounds: number;
  ordered: OrderBatch;
  unordered: OrderBatch;
  ratio: number;
  met: boolean;
  /** Temporal's own counts on the scenario's task queue at the end (warm-up included). */
  temporal: { delivered: number; closedSagas: number; completed: number; superseded: number };
}

export interface EntityOrderDeps {
  client: Client;
  events: EventFactory;
  /** The bench's receiver environment; the scenario points it at its own task queue. */
  receiverEnv: NodeJS.ProcessEnv;
  concurrency: number;
  rounds: number;
  startProcess: (script: string, env: NodeJS.ProcessEnv, port: number) => Promise<ChildProcess>;
  stopProcess: (child: ChildProcess) => Promise<void>;
  freePort: () => Promise<number>;
}

interface Planned {
  name: string;
  samples: Sample[];
  workflowIds: string[];
}

/**
 * `entities` shipments × `perEntity` updates, in the order a vendor streams them: every shipment's
 * n-th update before any shipment's (n+1)-th, so with many deliveries in flight a shipment's updates
 * still arrive in its own order.
 */
function plan(events: EventFactory, name: string, shipments: string[], perEntity: number): Planned {
  const samples: Sample[] = [];
  const workflowIds: string[] = [];
  for (let n = 1; n <= perEntity; n++) {
    for (const id of shipments) {
      const { sample, workflowId } = events.turvoStatus(id, new Date(BASE + n * 60_000), n);
      samples.push(sample);
      workflowIds.push(workflowId);
    }
  }
  return { name, samples, workflowIds };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The downstream sandbox as `npm run dev` runs it (TypeScript: it is not in the build), in a process
 * of its own: it stands for the downstream APIs and is not measured.
 */
async function startSandbox(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'sandbox', 'server.ts')], {
    env: { ...process.env, NODE_ENV: 'development', SANDBOX_PORT: String(port), LOG_LEVEL: 'warn', LOG_FORMAT: 'json' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const up = await fetch(`http://127.0.0.1:${port}/_sandbox/faults`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return child;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error('(h) the sandbox did not start');
    await sleep(100);
  }
}

/** Links every shipment to a conversation of its own (the sandbox makes it on first use), so each saga runs all four steps. */
async function linkConversations(sandboxUrl: string, shipments: string[]): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < shipments.length) {
      const id = shipments[next++]!;
      const res = await fetch(`${sandboxUrl}/records/shipments/${id}/links/front-conversation`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ conversationId: `cnv_${id}` }),
      });
      if (!res.ok) throw new Error(`(h) the sandbox refused a link: ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, lane));
}

export async function entityOrder(deps: EntityOrderDeps): Promise<EntityOrderResult> {
  const { client, events, concurrency, rounds } = deps;
  const stamp = Date.now().toString(36);
  const taskQueue = `bench-h-${stamp}`;
  const ids = (label: string, count: number) => Array.from({ length: count }, (_, i) => `H${stamp}-${label}-${i}`);
  const batches: { ordered: Planned; unordered: Planned }[] = [];
  const warmupIds = ids('w', WARMUP_EVENTS);
  const allIds = [...warmupIds];
  for (let r = 0; r < rounds; r++) {
    const orderedIds = ids(`r${r}o`, ENTITIES);
    const unorderedIds = ids(`r${r}u`, EVENTS);
    allIds.push(...orderedIds, ...unorderedIds);
    batches.push({ ordered: plan(events, 'ordered', orderedIds, EVENTS_PER_ENTITY), unordered: plan(events, 'unordered', unorderedIds, 1) });
  }

  // Every process started here is stopped at the end, newest first, whatever failed.
  const started: ChildProcess[] = [];
  let poster: ReturnType<typeof httpPoster> | undefined;
  try {
    const sandboxPort = await deps.freePort();
    started.push(await startSandbox(sandboxPort));
    const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
    await linkConversations(sandboxUrl, allIds);
    const env: NodeJS.ProcessEnv = { ...deps.receiverEnv, TEMPORAL_TASK_QUEUE: taskQueue };
    // The production worker, compiled, with the prebuilt bundle; no metrics port (its fixed core
    // metrics address would collide with any other worker on the machine).
    const worker = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'worker.js')], {
      env: {
        ...process.env,
        ...env,
        WORKFLOW_BUNDLE_PATH: join(ROOT, 'dist', 'workflow-bundle.js'),
        WORKER_METRICS_PORT: '0',
        TURVO_API_URL: `${sandboxUrl}/turvo`,
        FRONT_API_URL: `${sandboxUrl}/front`,
        SAMSARA_API_URL: `${sandboxUrl}/samsara`,
        RECORDS_API_URL: `${sandboxUrl}/records`,
        NOTIFY_API_URL: `${sandboxUrl}/notify`,
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    started.push(worker);
    const port = await deps.freePort();
    started.push(await deps.startProcess('src/server.ts', env, port));
    const deliver = httpPoster(`http://127.0.0.1:${port}`, concurrency);
    poster = deliver;

    const sagas = `WorkflowType = '${SAGA}' AND TaskQueue = '${taskQueue}'`;
    const count = async (query: string) => (await client.workflow.count(`${sagas} AND ${query}`)).count;
    let delivered = 0;

    /** Delivers a batch, waits for every saga to close, and checks each event ran exactly once. */
    async function run(batch: Planned): Promise<OrderBatch> {
      const t0 = Date.now();
      let next = 0;
      const sent = await record(() => deliver.post(batch.samples[next++]!), { concurrency, durationMs: BATCH_TIMEOUT_MS, maxRequests: batch.samples.length });
      const accepted = sent.statuses['202'] ?? 0;
      if (accepted !== batch.samples.length) throw new Error(`(h) ${batch.name}: ${accepted} of ${batch.samples.length} deliveries accepted: ${JSON.stringify(sent.statuses)}, errors ${sent.errors}`);
      delivered += accepted;

      const deadline = t0 + BATCH_TIMEOUT_MS;
      let closed = 0;
      while ((closed = await count(`ExecutionStatus != 'Running'`)) < delivered) {
        if (worker.exitCode !== null) throw new Error('(h) the worker exited');
        if (Date.now() > deadline) throw new Error(`(h) ${batch.name}: ${closed} of ${delivered} sagas closed after ${BATCH_TIMEOUT_MS / 1000} s`);
        await sleep(POLL_MS);
      }
      // Earlier batches had closed before this one began, so its runs are those started since t0.
      const runs = new Map<string, WorkflowExecutionInfo[]>();
      for await (const info of client.workflow.list({ query: `${sagas} AND StartTime >= '${new Date(t0).toISOString()}'` })) {
        runs.set(info.workflowId, [...(runs.get(info.workflowId) ?? []), info]);
      }
      const once = batch.workflowIds.every((id) => runs.get(id)?.length === 1 && runs.get(id)![0]!.status.name === 'COMPLETED');
      if (!once || runs.size !== batch.workflowIds.length) {
        throw new Error(`(h) ${batch.name}: not every event ran exactly once: ${runs.size} workflows for ${batch.workflowIds.length} events, ${[...runs.values()].flat().filter((i) => i.status.name !== 'COMPLETED').length} not completed`);
      }
      const infos = [...runs.values()].map((r) => r[0]!);
      const lastClose = Math.max(...infos.map((i) => i.closeTime!.getTime()));
      const seconds = (lastClose - t0) / 1000;
      const superseded = infos.filter((i) => i.typedSearchAttributes.get(SagaOutcome) === 'superseded').length;
      process.stderr.write(`[bench] h ${batch.name}: ${batch.samples.length} events in ${seconds.toFixed(1)} s, ${superseded} superseded\n`);
      return { events: batch.samples.length, seconds, eventsPerSecond: batch.samples.length / seconds, superseded };
    }

    // Warm-up: the worker starts, loads its bundle and fills its caches before anything is timed.
    await run(plan(events, 'warm-up', warmupIds, 1));
    const ordered: OrderBatch[] = [];
    const unordered: OrderBatch[] = [];
    for (let r = 0; r < rounds; r++) {
      // Which goes first alternates too: the server slows as its SQLite file grows.
      if (r % 2 === 0) {
        ordered.push(await run(batches[r]!.ordered));
        unordered.push(await run(batches[r]!.unordered));
      } else {
        unordered.push(await run(batches[r]!.unordered));
        ordered.push(await run(batches[r]!.ordered));
      }
    }
    const total = (list: OrderBatch[]): OrderBatch => {
      const e = list.reduce((n, b) => n + b.events, 0);
      const s = list.reduce((n, b) => n + b.seconds, 0);
      return { events: e, seconds: Number(s.toFixed(2)), eventsPerSecond: Number((e / s).toFixed(1)), superseded: list.reduce((n, b) => n + b.superseded, 0) };
    };
    const o = total(ordered);
    const u = total(unordered);
    const temporal = {
      delivered,
      closedSagas: await count(`ExecutionStatus != 'Running'`),
      completed: await count(`ExecutionStatus = 'Completed'`),
      superseded: await count(`SagaOutcome = 'superseded'`),
    };
    if (temporal.closedSagas !== delivered || temporal.completed !== delivered) throw new Error(`(h) Temporal counts ${JSON.stringify(temporal)}: not one completed saga per event`);
    const ratio = Number((o.eventsPerSecond / u.eventsPerSecond).toFixed(2));
    const result = { taskQueue, rounds, ordered: o, unordered: u, ratio, met: ratio >= ENTITY_ORDER_TARGET, temporal };
    process.stderr.write(
      `[bench] h: ordered ${o.eventsPerSecond} events/s (${o.events} in ${o.seconds} s, ${o.superseded} superseded), unordered ${u.eventsPerSecond} events/s (${u.events} in ${u.seconds} s), ratio ${ratio} (target >= ${ENTITY_ORDER_TARGET}: ${result.met ? 'met' : 'NO'}); Temporal: ${JSON.stringify(temporal)}\n`,
    );
    return result;
  } finally {
    poster?.close();
    for (const child of started.reverse()) await deps.stopProcess(child);
  }
}
