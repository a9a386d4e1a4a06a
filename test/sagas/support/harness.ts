import nock from 'nock';
import type { Client } from '@temporalio/client';
import { createActivities, createClients } from '../../../sagas/activities';
import { DOWNSTREAM_ENV } from '../../support/downstream';
import { startTestWorker, testClient, testConfig, uniqueTaskQueue, type TestWorker } from '../../support/temporal';
import { fakeDownstream, type FakeDownstream } from './fake-downstream';

export interface SagaHarness {
  readonly taskQueue: string;
  readonly client: Client;
  readonly downstream: FakeDownstream;
}

/**
 * For a saga test file: a real worker on its own task queue running the real activities against the
 * fake downstream (nock answers their HTTP calls), and a client, set up and torn down around the
 * file. The downstream forgets its calls and faults before each test.
 */
export function useSagaHarness(name: string): SagaHarness {
  const taskQueue = uniqueTaskQueue(name);
  let worker: TestWorker | undefined;
  let client: Client | undefined;
  let closeClient: (() => Promise<void>) | undefined;
  let downstream: FakeDownstream | undefined;

  beforeAll(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
    downstream = fakeDownstream();
    const config = testConfig(DOWNSTREAM_ENV);
    worker = await startTestWorker({ taskQueue, activities: createActivities(createClients(config.downstream)), config });
    ({ client, close: closeClient } = await testClient());
  });

  afterAll(async () => {
    await worker?.stop();
    await closeClient?.();
    nock.cleanAll();
    nock.enableNetConnect();
  });

  beforeEach(() => downstream?.reset());

  return {
    taskQueue,
    get client() {
      return client!;
    },
    get downstream() {
      return downstream!;
    },
  };
}
