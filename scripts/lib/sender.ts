import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { buildSourceInstances, type SourceInstance } from '../../sources';
import { asDelivery } from '../../sources/sender/request';
import { listFixtures, loadFixture, loadMessageFile } from '../../sources/sender/fixtures';
import type { Decision, OutgoingDelivery } from '../../sources/types';
import { sagaWorkflowIds } from '../../core/workflow-id';

/**
 * The sender CLI's work (scripts/send.ts), apart from argument parsing and printing: find the
 * endpoint, load the fixture or file, give it a fresh event key, sign it with the source's own kit,
 * spoil it on purpose, post it.
 */
export type TamperKind = 'body' | 'signature' | 'timestamp';

export interface SendOptions {
  source: string;
  /** A fixture name of the source, or the path of a body file (a `.headers.json` beside it is used too). */
  fixture: string;
  url: string;
  /** Overrides the configured secret; `@path` reads it from a file (a PEM private key, say). */
  secret?: string;
  repeat: number;
  fresh: boolean;
  tamper?: TamperKind;
}

export interface PreparedSend {
  instance: SourceInstance;
  endpoint: string;
  /** The same event, signed anew for each attempt (a vendor re-signs every retry). */
  attempts: OutgoingDelivery[];
  /** What the receiver should answer, as the adapter decides it here; or the refusal reason expected. */
  /** `starts`: each saga the event starts, with its workflow ID. */
  expected: { decision?: Decision; starts?: { saga: string; workflowId: string }[]; refusal?: string };
}

export function findInstance(env: NodeJS.ProcessEnv, name: string): SourceInstance {
  const instances = buildSourceInstances(env);
  const instance = instances.find((i) => i.config.name === name);
  if (!instance) throw new Error(`no source "${name}"; configured: ${instances.map((i) => i.config.name).join(', ')}`);
  return instance;
}

export function loadMessage(instance: SourceInstance, fixture: string): OutgoingDelivery {
  if (existsSync(fixture)) return loadMessageFile(fixture);
  const dir = instance.definition.sender.fixturesDir(instance.config);
  const names = listFixtures(dir);
  if (!names.includes(fixture)) throw new Error(`${instance.config.name} has no fixture "${fixture}" (and no such file); fixtures: ${names.join(', ')}`);
  return loadFixture(dir, fixture);
}

export function prepareSend(env: NodeJS.ProcessEnv, options: SendOptions): PreparedSend {
  const instance = findInstance(env, options.source);
  const { sender: kit } = instance.definition;
  const { config, adapter } = instance;
  let message = loadMessage(instance, options.fixture);
  if (options.fresh) message = kit.fresh(message, config, randomUUID());
  const key = options.secret?.startsWith('@') ? readFileSync(options.secret.slice(1), 'utf8') : options.secret;

  const window = kit.replayWindow(config);
  if (options.tamper === 'timestamp' && !window) throw new Error(`${config.name} signs no timestamp: there is nothing to make stale`);
  const signAt = () => (options.tamper === 'timestamp' ? new Date(Date.now() - (window!.staleAfterSeconds + 60) * 1000) : new Date());
  const endpoint = `${options.url.replace(/\/$/, '')}/webhooks/${config.name}`;
  const sign = () => kit.sign(message, config, { now: signAt(), deliveryId: randomUUID(), url: endpoint, ...(key ? { key } : {}) });

  let spoil = (d: OutgoingDelivery) => d;
  let refusal = options.tamper === 'timestamp' ? window!.staleReason : undefined;
  if (options.tamper === 'body' || options.tamper === 'signature') {
    const tamperings = kit.tamperings(config, { key: key ?? config.secrets[0] ?? '', now: new Date() });
    const wanted = options.tamper === 'body' ? (name: string) => name === 'body edited after signing' : (name: string) => / altered$/.test(name);
    const tampering = tamperings.find((t) => wanted(t.name));
    if (!tampering) throw new Error(`${config.name} in this mode does not sign the ${options.tamper} (${tamperings.map((t) => t.name).join('; ')})`);
    spoil = tampering.apply;
    refusal = tampering.reason;
  }

  const attempts = Array.from({ length: options.repeat }, () => spoil(sign()));
  const expected: PreparedSend['expected'] = refusal ? { refusal } : {};
  if (!refusal) {
    const first = attempts[0]!;
    const delivery = asDelivery(first, new Date(), endpoint);
    try {
      adapter.verify(delivery, delivery.receivedAt);
      expected.decision = adapter.decide(delivery);
      if (expected.decision.action === 'start') expected.starts = sagaWorkflowIds(config.name, expected.decision.eventKey, expected.decision.sagas);
    } catch (err) {
      expected.refusal = (err as { reason?: string }).reason ?? (err as Error).message;
    }
  }
  return { instance, endpoint, attempts, expected };
}

export interface SendResult {
  status: number;
  body: string;
}

export async function post(endpoint: string, delivery: OutgoingDelivery): Promise<SendResult> {
  const query = new URLSearchParams(delivery.query).toString();
  const response = await fetch(query ? `${endpoint}?${query}` : endpoint, {
    method: 'POST',
    body: delivery.body,
    headers: { 'content-type': 'application/json', ...delivery.headers },
  });
  return { status: response.status, body: await response.text() };
}
