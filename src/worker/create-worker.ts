import { NativeConnection, Worker, type WorkerPlugin, type WorkflowBundleOption } from '@temporalio/worker';
import type { Duration } from '@temporalio/common';
import type { AppConfig } from '../config';
import { createActivities, createClients } from '../../sagas/activities';
import { createEntityLockActivities } from '../../sagas/activities/entity-activities';
import { createPayloadActivities } from '../../sagas/activities/payloads';
import type { PayloadStore } from '../../core/saga/input';
import type { InternalWorkflowName, SagaName } from '../../core/saga/registry';
import type * as workflows from '../../sagas/workflows';
import { dataConverter } from '../temporal/codec';
import { sagaMetricsSinks } from './saga-metrics';

/**
 * The worker registers every export of the workflows module; the receiver routes only to the saga
 * names in core/saga/registry.ts, beside which it lists the internal workflows (entity locks). This fails the type-check unless the two are the same set.
 */
type SameSet<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _registryIsTheWorkflowsModule: SameSet<keyof typeof workflows, SagaName | InternalWorkflowName> = true;

export interface WorkerDeps {
  config: AppConfig;
  connection: NativeConnection;
  /** A prebuilt bundle (production, tests); without one the worker bundles sagas/workflows/index.ts itself. */
  workflowBundle?: WorkflowBundleOption;
  /** Defaults to activities calling the configured downstream APIs. */
  activities?: object;
  /** Where the receiver put events too large for a workflow input; registers loadEventPayload (sagas/workflows/load-event.ts). */
  payloads?: PayloadStore;
  taskQueue?: string;
  /** e.g. the OpenTelemetry plugin when tracing is on. */
  plugins?: WorkerPlugin[];
  /** How long running activities get on shutdown before they are cancelled (tests shorten it). */
  shutdownGraceTime?: Duration;
}

export function workflowsPath(): string {
  return require.resolve('../../sagas/workflows');
}

export async function createWorker({ config, connection, workflowBundle, activities, taskQueue, plugins, shutdownGraceTime, payloads }: WorkerDeps): Promise<Worker> {
  const converter = dataConverter(config.temporal.payloadKeys);
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: taskQueue ?? config.temporal.taskQueue,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: workflowsPath() }),
    activities: {
      ...(activities ?? createActivities(createClients(config.downstream))),
      // Every ordered saga asks for its entity's turn through it, whatever the downstream activities.
      ...createEntityLockActivities(),
      ...(payloads ? createPayloadActivities(payloads) : {}),
    },
    sinks: sagaMetricsSinks,
    // A Worker Deployment Version: Temporal sends it new runs only while it is current or ramping,
    // and pinned runs only of its own (sagas/workflows/index.ts says which workflows are pinned).
    ...(config.worker.deployment
      ? {
          workerDeploymentOptions: {
            useWorkerVersioning: true,
            version: { deploymentName: config.worker.deployment.name, buildId: config.worker.deployment.buildId },
            defaultVersioningBehavior: 'PINNED',
          },
        }
      : {}),
    // Inputs, results, memos and heartbeat details are encrypted before they leave the worker.
    ...(converter ? { dataConverter: converter } : {}),
    ...(plugins ? { plugins } : {}),
    // Running activities get this long to finish on SIGTERM before they are cancelled.
    shutdownGraceTime: shutdownGraceTime ?? '10 seconds',
  });
}
