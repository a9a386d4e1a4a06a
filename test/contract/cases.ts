import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SOURCE_DEFINITIONS, buildSourceInstances, type SourceInstance } from '../../sources';
import { listFixtures, loadFixture } from '../../sources/sender/fixtures';
import type { Delivery, OutgoingDelivery, SignOptions } from '../../sources/types';

/**
 * Everything the contract suite runs against: every registered source under each of its kit's
 * example configurations, plus the config-only endpoints declared in declared-sources.json. Nothing
 * here names a source: a source added to the registry is picked up as it is.
 *
 * CONTRACT_SOURCES=<kind,kind> narrows the run (the scaffold test uses it on a temporary copy).
 */
export interface ContractCase {
  readonly label: string;
  /** The environment that configures this endpoint: also what a test receiver is started with. */
  readonly env: NodeJS.ProcessEnv;
  readonly instance: SourceInstance;
  /** The key a genuine sender signs with. */
  readonly signingKey: string;
}

export interface LoadedFixture {
  readonly name: string;
  readonly message: OutgoingDelivery;
}

/** Secrets for the endpoints declared in declared-sources.json, made fresh on every run in each one's encoding. */
const DECLARED_SECRETS: Record<string, () => string> = {
  CONTRACT_YARD_ID_HEADER_SECRETS: () => randomBytes(20).toString('hex'),
  CONTRACT_YARD_SHA512_SECRETS: () => randomBytes(32).toString('hex'),
  CONTRACT_YARD_SHA1_SECRETS: () => randomBytes(32).toString('base64'),
  CONTRACT_BILLING_SECRETS: () => `whsec_${randomBytes(24).toString('base64')}`,
};

const DECLARED_FILE = join(__dirname, 'declared-sources.json');

function only(): Set<string> | undefined {
  const list = process.env.CONTRACT_SOURCES?.split(',').filter(Boolean);
  return list?.length ? new Set(list) : undefined;
}

export function contractCases(): ContractCase[] {
  const wanted = only();
  const cases: ContractCase[] = [];
  for (const definition of SOURCE_DEFINITIONS) {
    if (wanted && !wanted.has(definition.name)) continue;
    for (const example of definition.sender.examples()) {
      for (const instance of buildSourceInstances(example.env).filter((i) => i.definition === definition)) {
        cases.push({ label: `${instance.config.name} (${example.label})`, env: example.env, instance, signingKey: example.signingKey ?? instance.config.secrets[0] });
      }
    }
  }
  const env: NodeJS.ProcessEnv = { SOURCES_CONFIG: DECLARED_FILE };
  for (const [name, make] of Object.entries(DECLARED_SECRETS)) env[name] = `${make()},${make()}`;
  const declared = new Set(Object.keys(JSON.parse(readFileSync(DECLARED_FILE, 'utf8')) as object));
  for (const instance of buildSourceInstances(env)) {
    if (!declared.has(instance.config.name) || (wanted && !wanted.has(instance.definition.name))) continue;
    // Signed with the second secret of each pair: a rotated-in secret verifies as well as the first.
    cases.push({ label: `${instance.config.name} (declared in test config)`, env, instance, signingKey: instance.config.secrets[1] });
  }
  return cases;
}

export function fixturesOf(c: ContractCase): LoadedFixture[] {
  const dir = c.instance.definition.sender.fixturesDir(c.instance.config);
  return listFixtures(dir).map((name) => ({ name, message: loadFixture(dir, name) }));
}

export function sign(c: ContractCase, message: OutgoingDelivery, options: Partial<SignOptions> = {}): OutgoingDelivery {
  return c.instance.definition.sender.sign(message, c.instance.config, { now: new Date(), key: c.signingKey, ...options });
}

/** What the receiver would hand the adapter for this request. */
export function asDelivery(d: OutgoingDelivery, receivedAt = new Date()): Delivery {
  return { headers: { ...d.headers }, rawBody: d.body, query: { ...d.query }, receivedAt };
}
