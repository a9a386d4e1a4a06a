import * as workflows from '../../sagas/workflows';
import { INTERNAL_WORKFLOWS, SAGA_NAMES } from '../../core/saga/registry';
import { buildSourceInstances, SOURCE_DEFINITIONS } from '../../sources';
import { DEV_SECRETS } from '../../src/dev-secrets';

/** A route to a saga the worker does not register would start workflows that never run. */
describe('source routes', () => {
  const registered = new Set(Object.keys(workflows));
  const configurations = [
    { label: 'the main job (dev secrets, sources/dev-sources.json)', env: { ...DEV_SECRETS } as NodeJS.ProcessEnv },
    ...SOURCE_DEFINITIONS.flatMap((d) => d.sender.examples().map((e) => ({ label: `${d.name}: ${e.label}`, env: e.env }))),
  ];

  it.each(configurations)('point only at sagas exported from sagas/workflows/index.ts ($label)', ({ env }) => {
    const instances = buildSourceInstances(env);
    expect(instances.length).toBeGreaterThan(0);
    for (const { adapter } of instances) {
      for (const [eventType, sagas] of adapter.routes ?? []) {
        for (const saga of sagas) expect({ source: adapter.name, eventType, saga, registered: registered.has(saga) }).toEqual({ source: adapter.name, eventType, saga, registered: true });
      }
    }
  });

  it('the saga registry lists exactly what the worker registers (the exports of sagas/workflows.ts)', () => {
    expect([...SAGA_NAMES, ...INTERNAL_WORKFLOWS].sort()).toEqual([...registered].sort());
  });

  it('no route starts an internal workflow (an entity lock)', () => {
    const routed = configurations.flatMap(({ env }) => buildSourceInstances(env).flatMap(({ adapter }) => [...(adapter.routes ?? new Map()).values()].flat()));
    expect(routed.filter((saga) => (INTERNAL_WORKFLOWS as readonly string[]).includes(saga))).toEqual([]);
  });

  it('routes the events the sagas were written for', () => {
    const routes = Object.fromEntries(buildSourceInstances({ ...DEV_SECRETS }).map((i) => [i.adapter.name, Object.fromEntries(i.adapter.routes ?? [])]));
    expect(routes.samsara).toMatchObject({ RouteStopArrival: ['samsaraRouteStopSaga'], DocumentSubmitted: ['samsaraDocumentSaga'] });
    expect(routes.turvo).toMatchObject({ SHIPMENT_STATUS_UPDATE: ['turvoShipmentStatusSaga'] });
    expect(routes.frontapp).toMatchObject({ inbound: ['frontInboundSaga'] });
  });
});
