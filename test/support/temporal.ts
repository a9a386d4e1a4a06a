import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { inspect } from 'node:util';
import { NativeConnection, Runtime, DefaultLogger, type LogLevel, type Worker } from '@temporalio/worker';
import type { Duration } from '@temporalio/common';
import { loadConfig, type AppConfig } from '../../src/config';
import { ENTITY_LOCK_WORKFLOW } from '../../core/saga/entity-lock';
import { createWorker } from '../../src/worker/create-worker';
import { HELD_LOGS } from './held-logs';
import { dataConverter } from '../../src/temporal/codec';

let runtimeInstalled = false;

/**
 * Installs this test file's Temporal runtime (once) with a logger whose lines the test environment
 * holds back and prints only for a failed test (test/support/held-logs-environment.ts).
 */
export function installTestRuntime(level: LogLevel = 'WARN'): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const hold = (globalThis as Record<string, unknown>)[HELD_LOGS] as ((line: string) => void) | undefined;
  const logger = new DefaultLogger(level, ({ level: at, timestampNanos, message, meta }) => {
    const line = `${new Date(Number(timestampNanos / 1_000_000n)).toISOString()} [${at}] ${message}${meta ? ` ${inspect(meta, { depth: 4 })}` : ''}\n`;
    if (hold) hold(line);
    else process.stderr.write(line);
  });
  try {
    // Core's own lines (Rust) too: forwarded to the same logger instead of printed to the console.
    Runtime.install({ logger, telemetryOptions: { logging: { forward: {} } } });
  } catch {
    // A worker of this file already made the runtime: keep it.
  }
}

/** The test Temporal server's address, set by the global setup. */
export function temporalAddress(): string {
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set: run the suite through jest (global setup starts Temporal)');
  return address;
}

/** A task queue of its own per test file, so parallel files (and a running main job) never steal each other's tasks. */
export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}

/** This run's Redis key prefix (set by the global setup; its teardown deletes every key under it). */
export function runRedisPrefix(): string {
  return process.env.TEST_REDIS_PREFIX ?? 'test:';
}

/** A Redis key prefix of its own, under this run's, so parallel test files never see each other's keys. */
export function uniqueRedisPrefix(label: string): string {
  return `${runRedisPrefix()}${label}:${randomUUID().slice(0, 8)}:`;
}

/** Unless a test names its own, receivers and workers share this run's `shared:` prefix (never the main job's `webhooks:`). */
export function testConfig(overrides: NodeJS.ProcessEnv = {}): AppConfig {
  return loadConfig({
    NODE_ENV: 'test',
    TEMPORAL_ADDRESS: temporalAddress(),
    REDIS_URL: process.env.REDIS_URL,
    REDIS_KEY_PREFIX: `${runRedisPrefix()}shared:`,
    LOG_FORMAT: 'json',
    ...overrides,
  });
}

/** A client on the test server; with a config that has payload keys, encrypting and decoding like the receiver's (src/temporal/codec.ts). */
export async function testClient(config?: AppConfig): Promise<{ client: Client; close: () => Promise<void> }> {
  const connection = await Connection.connect({ address: temporalAddress() });
  const converter = dataConverter(config?.temporal.payloadKeys);
  return { client: new Client({ connection, ...(converter ? { dataConverter: converter } : {}) }), close: () => connection.close() };
}

export interface TestWorker {
  worker: Worker;
  /** Stops the worker and waits for it to drain. */
  stop: () => Promise<void>;
}

/**
 * Entity locks (sagas/workflows/entity-lock.ts) stay open for days to remember the newest event applied. On a
 * test's own task queue nothing serves them once its worker stops: end them with it, so the test
 * server does not collect them (visibility lags: one started a moment ago may stay).
 */
async function closeEntityLocks(connection: NativeConnection, taskQueue: string): Promise<void> {
  const client = new Client({ connection });
  const query = `WorkflowType = '${ENTITY_LOCK_WORKFLOW}' AND TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`;
  for await (const lock of client.workflow.list({ query })) {
    await client.workflow.getHandle(lock.workflowId, lock.runId).terminate('test worker stopped').catch(() => undefined);
  }
}

/** A real worker on the test server, loading the bundle built once by the global setup. */
export async function startTestWorker(options: { taskQueue: string; activities: object; config?: AppConfig; shutdownGraceTime?: Duration }): Promise<TestWorker> {
  installTestRuntime();
  const connection = await NativeConnection.connect({ address: temporalAddress() });
  const codePath = process.env.TEST_WORKFLOW_BUNDLE;
  const worker = await createWorker({
    config: options.config ?? testConfig(),
    connection,
    taskQueue: options.taskQueue,
    activities: options.activities,
    ...(codePath ? { workflowBundle: { codePath } } : {}),
    ...(options.shutdownGraceTime ? { shutdownGraceTime: options.shutdownGraceTime } : {}),
  });
  const running = worker.run();
  return {
    worker,
    async stop() {
      await closeEntityLocks(connection, options.taskQueue);
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
    },
  };
}
