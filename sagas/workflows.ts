/**
 * The workflow bundle's entry point: every saga the worker runs. Only deterministic code may be
 * reached from here (lint forbids Node built-ins in sagas/ outside activities/ and clients/).
 */
export { samsaraRouteStopSaga } from './samsara-route-stop';
