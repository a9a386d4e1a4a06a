/**
 * Signed deliveries for the benchmark, over every registered source through its sender kit
 * (sources/sender/drivers.ts): unique events, repeats of known events, or large bodies.
 */
import { randomUUID } from 'node:crypto';
import { workflowIdFor } from '../core/workflow-id';
import { asDelivery, headersFor, oneReceiverDrivers, pathFor, type SourceDriver } from '../sources/sender/drivers';
import type { OutgoingDelivery } from '../sources/types';
import type { Sample } from './load';

export interface EventFactory {
  /** Environment that configures every source the factory signs for (the receiver's). */
  env: NodeJS.ProcessEnv;
  /** Endpoint names (shown in the results). */
  sources: string[];
  unique(): Sample;
  /**
   * Unique events signed ahead of time: signing is the sender's work, kept out of the timed loop
   * (which shares the machine's two cores with the receiver, Temporal and Redis).
   */
  signedAhead(size: number): Sample[];
  /**
   * A small set of events, signed now (a signature's timestamp goes stale within minutes, so each
   * scenario asks for its own), dealt round robin: after the first lap, every delivery is a repeat.
   */
  repeats(): (() => Sample) & { readonly size: number };
  large(bytes: number): Sample;
  /**
   * Turvo's SHIPMENT_STATUS_UPDATE for `shipmentId` at vendor time `at` (status code `n`), signed now,
   * with the workflow ID its saga gets: the entity-order scenario needs events about chosen entities.
   */
  turvoStatus(shipmentId: string, at: Date, n: number): { sample: Sample; workflowId: string };
}

function sample(driver: SourceDriver, message: OutgoingDelivery): Sample {
  return { path: pathFor(driver.name, message), headers: headersFor(message), body: message.body };
}

/** The same event with a padding field that brings its body to `bytes` (before signing). */
function padded(message: OutgoingDelivery, bytes: number): OutgoingDelivery {
  const json = JSON.parse(message.body.toString('utf8')) as Record<string, unknown>;
  json.benchPadding = '';
  const pad = Math.max(0, bytes - Buffer.byteLength(JSON.stringify(json)));
  json.benchPadding = 'x'.repeat(pad);
  return { ...message, body: Buffer.from(JSON.stringify(json)) };
}

export function allSourceEvents(): EventFactory {
  const { env, drivers } = oneReceiverDrivers();
  let i = 0;
  const nextDriver = () => drivers[i++ % drivers.length]!;
  const turvo = drivers.find((d) => d.definition.name === 'turvo');
  const statusFixture = turvo?.starters.find((f) => JSON.parse(f.body.toString('utf8')).eventName === 'SHIPMENT_STATUS_UPDATE');
  return {
    env,
    sources: drivers.map((d) => d.name),
    unique() {
      const driver = nextDriver();
      return sample(driver, driver.newEvent(randomUUID()).message);
    },
    signedAhead(size) {
      return Array.from({ length: size }, () => this.unique());
    },
    repeats() {
      const known = drivers.flatMap((d) => Array.from({ length: 4 }, () => d)).map((d) => sample(d, d.newEvent(randomUUID()).message));
      let r = 0;
      return Object.assign(() => known[r++ % known.length]!, { size: known.length });
    },
    large(bytes) {
      const driver = nextDriver();
      return sample(driver, driver.sign(padded(driver.newEvent(randomUUID()).unsigned, bytes)));
    },
    turvoStatus(shipmentId, at, n) {
      if (!turvo || !statusFixture) throw new Error('the Turvo source or its SHIPMENT_STATUS_UPDATE fixture is gone');
      const json = JSON.parse(statusFixture.body.toString('utf8'));
      json.eventPayload = { ...json.eventPayload, id: shipmentId, customId: shipmentId, lastUpdatedOn: at.toISOString(), status: { ...json.eventPayload.status, code: { key: String(3000 + n), value: `Status ${n}` } } };
      const message = turvo.sign({ ...statusFixture, body: Buffer.from(JSON.stringify(json)) });
      const decision = turvo.instance.adapter.decide(asDelivery(message));
      if (decision.action !== 'start') throw new Error('a Turvo status update no longer starts a saga');
      return { sample: sample(turvo, message), workflowId: workflowIdFor(turvo.name, decision.eventKey) };
    },
  };
}
