import { SOURCE_DEFINITIONS, buildSourceInstances, type SourceInstance } from '..';
import { listFixtures, loadFixture } from './fixtures';
import type { AnySourceDefinition, OutgoingDelivery } from '../types';
import { asDelivery } from './request';
import { workflowIdFor } from '../../core/workflow-id';

/**
 * Drives every registered source through its sender kit (sources/types.ts SenderKit), so the
 * drills, the fuzz and the benchmark cover a source the moment it is added to the registry: nothing
 * here names one.
 */
export interface SourceDriver {
  /** `<kind> (<example label>)`. */
  label: string;
  definition: AnySourceDefinition;
  instance: SourceInstance;
  /** The environment configuring this endpoint. */
  env: NodeJS.ProcessEnv;
  /** Endpoint name: POST /webhooks/<name>. */
  name: string;
  signingKey?: string;
  /** Every fixture, unsigned. */
  fixtures: OutgoingDelivery[];
  /** The fixtures that start a saga once signed. */
  starters: OutgoingDelivery[];
  sign(message: OutgoingDelivery, now?: Date): OutgoingDelivery;
  /**
   * A new event (a fresh event key) from one of the starters, with the workflow ID it must map to
   * (the event's own: its first saga's, core/workflow-id.ts):
   * `unsigned` is what a vendor re-signs on every retry, `message` is it signed now.
   */
  newEvent(unique: string, index?: number): { unsigned: OutgoingDelivery; message: OutgoingDelivery; workflowId: string };
}

export { asDelivery } from './request';

function driverFor(definition: AnySourceDefinition, instance: SourceInstance, env: NodeJS.ProcessEnv, label: string, signingKey?: string): SourceDriver {
  const kit = definition.sender;
  const dir = kit.fixturesDir(instance.config);
  const fixtures = listFixtures(dir).map((name) => loadFixture(dir, name));
  const sign = (message: OutgoingDelivery, now = new Date()) => kit.sign(message, instance.config, { now, ...(signingKey ? { key: signingKey } : {}) });
  const decide = (message: OutgoingDelivery) => {
    const delivery = asDelivery(message);
    instance.adapter.verify(delivery, delivery.receivedAt);
    return instance.adapter.decide(delivery);
  };
  const starters = fixtures.filter((f) => {
    try {
      return decide(sign(f)).action === 'start';
    } catch {
      return false;
    }
  });
  return {
    label,
    definition,
    instance,
    env,
    name: instance.adapter.name,
    signingKey,
    fixtures,
    starters,
    sign,
    newEvent(unique, index = 0) {
      if (starters.length === 0) throw new Error(`${label}: no fixture starts a saga, so the drill cannot send it events`);
      const unsigned = kit.fresh(starters[index % starters.length]!, instance.config, unique);
      const message = sign(unsigned);
      const decision = decide(message);
      if (decision.action !== 'start') throw new Error(`${label}: a fresh event no longer starts a saga`);
      return { unsigned, message, workflowId: workflowIdFor(instance.adapter.name, decision.eventKey) };
    },
  };
}

/** One driver per registered source kind and per example configuration of its kit (the fuzz runs them all). */
export function allDrivers(): SourceDriver[] {
  const drivers: SourceDriver[] = [];
  for (const definition of SOURCE_DEFINITIONS) {
    for (const example of definition.sender.examples()) {
      for (const instance of buildSourceInstances(example.env).filter((i) => i.definition === definition)) {
        drivers.push(driverFor(definition, instance, example.env, `${definition.name} (${example.label})`, example.signingKey));
      }
    }
  }
  return drivers;
}

/**
 * One environment configuring every registered source at once (each kind's first example), and a
 * driver per endpoint: what a receiver in a drill serves. SOURCES_CONFIG objects are merged.
 */
export function oneReceiverDrivers(): { env: NodeJS.ProcessEnv; drivers: SourceDriver[] } {
  const env: NodeJS.ProcessEnv = {};
  const chosen = SOURCE_DEFINITIONS.map((definition) => ({ definition, example: definition.sender.examples()[0]! }));
  for (const { example } of chosen) {
    for (const [key, value] of Object.entries(example.env)) {
      if (env[key] === undefined) env[key] = value;
      else if (key === 'SOURCES_CONFIG') env[key] = JSON.stringify({ ...JSON.parse(env[key]!), ...JSON.parse(value!) });
      else if (env[key] !== value) throw new Error(`two sources' examples set ${key} differently`);
    }
  }
  const instances = buildSourceInstances(env);
  const drivers = chosen.flatMap(({ definition, example }) =>
    instances
      .filter((i) => i.definition === definition)
      .map((instance) => driverFor(definition, instance, env, `${definition.name} (${example.label})`, example.signingKey)),
  );
  return { env, drivers };
}

/** The URL path (with the query some schemes sign with) for a message to an endpoint. */
export function pathFor(name: string, message: OutgoingDelivery): string {
  const query = new URLSearchParams(message.query as Record<string, string>).toString();
  return `/webhooks/${name}${query ? `?${query}` : ''}`;
}

/** Headers to send: the message's, with the JSON content type every source here receives unless it says otherwise. */
export function headersFor(message: OutgoingDelivery): Record<string, string> {
  return { 'content-type': 'application/json', ...message.headers };
}
