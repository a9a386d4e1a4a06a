/**
 * The workflow bundle's entry point: every saga the worker runs. Only deterministic code may be
 * reached from here (lint forbids Node built-ins and I/O libraries in sagas/workflows/ and core/saga/).
 */
import type { VersioningBehavior } from '@temporalio/common';
import { setWorkflowOptions, workflowInfo } from '@temporalio/workflow';
import { entityLockWorkflow } from './entity-lock';
import { frontInboundSaga } from './front-inbound';
import { recordEventSaga } from './record-event';
import { samsaraDocumentSaga } from './samsara-document';
import { samsaraRouteStopSaga } from './samsara-route-stop';
import { turvoShipmentStatusSaga } from './turvo-shipment-status';

/*
 * Worker Versioning (README, "Versioning"): what a run does when a new Worker Deployment Version
 * becomes current.
 * - Sagas are PINNED: a run finishes on the version it started on. They last seconds to minutes (at
 *   most a day of downstream outage), so old versions drain quickly, and a breaking change to a
 *   saga (a step added, removed, reordered) needs no patched(): no run ever replays on other code.
 * - The entity lock is AUTO_UPGRADE: it lives for days and continues as new, so pinning it would
 *   keep an old version's workers alive for a week per busy entity. It moves to the current version
 *   at its next task, so its changes still need patched() and recorded histories (replay tests).
 * Pinned sagas on one version talk to a lock on another: the turn messages (core/saga/entity-lock.ts)
 * must stay compatible both ways across two versions.
 */
/** Temporal refuses a behaviour from an unversioned worker (local runs, tests): stated only on a versioned one. */
const onVersionedWorkers = (versioningBehavior: VersioningBehavior) => () => (workflowInfo().currentDeploymentVersion?.deploymentName ? { versioningBehavior } : {});
const sagas: ((...args: never[]) => Promise<unknown>)[] = [samsaraRouteStopSaga, samsaraDocumentSaga, turvoShipmentStatusSaga, frontInboundSaga, recordEventSaga];
for (const saga of sagas) setWorkflowOptions(onVersionedWorkers('PINNED'), saga);
setWorkflowOptions(onVersionedWorkers('AUTO_UPGRADE'), entityLockWorkflow);

export { samsaraRouteStopSaga, samsaraDocumentSaga, turvoShipmentStatusSaga, frontInboundSaga, recordEventSaga, entityLockWorkflow };
