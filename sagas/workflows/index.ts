/**
 * The workflow bundle's entry point: every saga the worker runs. Only deterministic code may be
 * reached from here (lint forbids Node built-ins and I/O libraries in sagas/workflows/ and core/saga/).
 */
export { samsaraRouteStopSaga } from './samsara-route-stop';
export { samsaraDocumentSaga } from './samsara-document';
export { turvoShipmentStatusSaga } from './turvo-shipment-status';
export { frontInboundSaga } from './front-inbound';
export { recordEventSaga } from './record-event';
export { entityLockWorkflow } from './entity-lock';
