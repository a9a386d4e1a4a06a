import type { Client } from '@temporalio/client';
import { createActivities, createClients } from '../../../sagas/activities';
import type { RecordedRequest } from '../../../sandbox/app';
import { startSandbox, type RunningSandbox } from '../../support/sandbox';
import { startTestWorker, testClient, testConfig, uniqueTaskQueue, type TestWorker } from '../../support/temporal';

/** A refusal armed on the sandbox for `METHOD /path` (the path within its service, without the query). */
export interface InjectedFailure {
  status: number;
  /** How many calls fail; every one when absent. */
  times?: number;
  /** Matching calls let through before failing (to fail an undo that calls the same path as its step). */
  after?: number;
  message?: string;
}

export interface SagaHarness {
  readonly taskQueue: string;
  readonly client: Client;
  /** What the sandbox was sent since the test began. */
  requests(): RecordedRequest[];
  /** Makes the sandbox answer `METHOD /path` (any service, the exact path) with a failure. */
  fail(call: string, failure: InjectedFailure): Promise<void>;
}

/**
 * For a saga test file: a real worker on its own task queue running the real activities against the
 * downstream sandbox (in-process, on a loopback port), and a client, set up and torn down around the
 * file. The sandbox goes back to its seed (requests, idempotency keys and faults cleared) before each test.
 */
export function useSagaHarness(name: string): SagaHarness {
  const taskQueue = uniqueTaskQueue(name);
  let worker: TestWorker | undefined;
  let client: Client | undefined;
  let closeClient: (() => Promise<void>) | undefined;
  let sandbox: RunningSandbox | undefined;

  beforeAll(async () => {
    sandbox = await startSandbox();
    const config = testConfig(sandbox.env);
    worker = await startTestWorker({ taskQueue, activities: createActivities(createClients(config.downstream)), config });
    ({ client, close: closeClient } = await testClient());
  });

  afterAll(async () => {
    await worker?.stop();
    await closeClient?.();
    await sandbox?.close();
  });

  beforeEach(() => sandbox?.reset());

  return {
    taskQueue,
    get client() {
      return client!;
    },
    requests: () => sandbox!.requests(),
    async fail(call, failure) {
      const [method, path] = call.split(' ');
      await sandbox!.fail({ method, path: `^${path!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, ...failure });
    },
  };
}

/**
 * A call as the tests write it: `METHOD /path?query [step]`, the path within its service, where step
 * is the idempotency key after the run prefix (e.g. `updateTurvoStop`, `updateTurvoStop/undo`), or
 * `-` for a read.
 */
export function describeCalls(requests: RecordedRequest[], keyPrefix: string): string[] {
  return requests.map((r) => {
    const query = new URLSearchParams(r.query).toString();
    const url = decodeURIComponent(`${r.path}${query ? `?${query}` : ''}`.replace(/\+/g, ' ')).replace(`idempotency_key=${keyPrefix}`, 'idempotency_key=');
    const step = r.idempotencyKey?.startsWith(keyPrefix) ? r.idempotencyKey.slice(keyPrefix.length) : (r.idempotencyKey ?? '-');
    return `${r.method} ${url} [${step}]`;
  });
}
