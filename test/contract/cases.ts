import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SOURCE_DEFINITIONS, buildSourceInstances, type SourceInstance } from '../../sources';
import { declaredSources } from '../../sources/engine/declared';
import { listFixtures, loadFixture } from '../../sources/sender/fixtures';
import { sagaWorkflowIds } from '../../core/workflow-id';
import type { Decision, OutgoingDelivery, SignOptions } from '../../sources/types';

/**
 * Everything the contract suite runs against: every registered source under each of its kit's
 * example configurations, the config-only endpoints declared in declared-sources.json, and the
 * endpoints declared in the user's own SOURCES_CONFIG when it is set (signed with the secrets it
 * names, against the fixtures each one's `fixtures` folder holds). Nothing here names a source: a
 * source added to the registry or to a config file is picked up as it is.
 *
 * CONTRACT_SOURCES=<name,name> narrows the run to those kinds or endpoint names (the scaffold test
 * uses it on a temporary copy; `npm run check-sources` on the user's own endpoints).
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
  CONTRACT_STRIPE_SECRETS: () => `whsec_${randomBytes(24).toString('hex')}`,
  CONTRACT_SLACK_SECRETS: () => randomBytes(16).toString('hex'),
  CONTRACT_TWILIO_SECRETS: () => randomBytes(16).toString('hex'),
};

const DECLARED_FILE = join(__dirname, 'declared-sources.json');

/** The kinds and endpoint names CONTRACT_SOURCES asks for; undefined means all. */
export function contractFilter(): Set<string> | undefined {
  const list = process.env.CONTRACT_SOURCES?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return list?.length ? new Set(list) : undefined;
}

/** The endpoints a SOURCES_CONFIG declares, built from that environment (the built-in sources it also configures are left out). */
function declaredInstances(env: NodeJS.ProcessEnv): SourceInstance[] {
  const names = new Set(declaredSources(env).map((e) => e.name));
  return buildSourceInstances(env).filter((i) => names.has(i.config.name));
}

/** The cases CONTRACT_SOURCES asks for (all when unset): what the contract suite runs. */
export function contractCases(): ContractCase[] {
  const wanted = contractFilter();
  const cases = allContractCases();
  return wanted ? cases.filter((c) => wanted.has(c.instance.definition.name) || wanted.has(c.instance.config.name)) : cases;
}

/** Every case, whatever CONTRACT_SOURCES says: for tests that use one particular endpoint's. */
export function allContractCases(): ContractCase[] {
  const cases: ContractCase[] = [];
  for (const definition of SOURCE_DEFINITIONS) {
    for (const example of definition.sender.examples()) {
      for (const instance of buildSourceInstances(example.env).filter((i) => i.definition === definition)) {
        cases.push({ label: `${instance.config.name} (${example.label})`, env: example.env, instance, signingKey: example.signingKey ?? instance.config.secrets[0] });
      }
    }
  }
  const env: NodeJS.ProcessEnv = { SOURCES_CONFIG: DECLARED_FILE };
  for (const [name, make] of Object.entries(DECLARED_SECRETS)) env[name] = `${make()},${make()}`;
  for (const instance of declaredInstances(env)) {
    // Signed with the second secret of each pair: a rotated-in secret verifies as well as the first.
    cases.push({ label: `${instance.config.name} (declared in test config)`, env, instance, signingKey: instance.config.secrets[1] });
  }
  // The user's own endpoints, as the receiver would build them from this environment.
  const own: NodeJS.ProcessEnv = { ...process.env };
  for (const instance of declaredInstances(own)) {
    const key = instance.config.secrets.at(-1) ?? privateKey(instance.config.name);
    if (!key) throw new Error(`${instance.config.name}: no secret in this environment (set the variable its secretsEnv names, or for public keys ${signingKeyVariable(instance.config.name)}): the contract suite signs with it`);
    // Signed with the last secret: during a rotation that is the new one, and it must verify too.
    cases.push({ label: `${instance.config.name} (your SOURCES_CONFIG)`, env: own, instance, signingKey: key });
  }
  return cases;
}

/** An asymmetric endpoint's private key, to sign with: a PEM file named by CONTRACT_SIGNING_KEY_<ENDPOINT> (never the receiver's business). */
function signingKeyVariable(endpoint: string): string {
  return `CONTRACT_SIGNING_KEY_${endpoint.toUpperCase().replaceAll('-', '_')}`;
}

function privateKey(endpoint: string): string | undefined {
  const file = process.env[signingKeyVariable(endpoint)];
  return file ? readFileSync(file, 'utf8') : undefined;
}

export function fixturesOf(c: ContractCase): LoadedFixture[] {
  const dir = c.instance.definition.sender.fixturesDir(c.instance.config);
  if (!existsSync(dir)) throw new Error(`${c.label}: no fixtures folder ${dir}`);
  return listFixtures(dir).map((name) => ({ name, message: loadFixture(dir, name) }));
}

export function sign(c: ContractCase, message: OutgoingDelivery, options: Partial<SignOptions> = {}): OutgoingDelivery {
  return c.instance.definition.sender.sign(message, c.instance.config, { now: new Date(), key: c.signingKey, ...options });
}

/**
 * Whether this endpoint's bodies are JSON, so that the suite may edit them field by field. A body
 * is bytes: other endpoints (form bodies, say) get byte-level mutations only.
 */
export function sendsJson(c: ContractCase): boolean {
  const types = c.instance.adapter.contentTypes;
  return !types || types.some((t) => t === 'application/json' || t.endsWith('+json'));
}

/** The workflows a decision to start makes at this endpoint: one per saga (a fan-out route names several). */
export function startsOf(c: ContractCase, decision: Extract<Decision, { action: 'start' }>): { saga: string; workflowId: string }[] {
  return sagaWorkflowIds(c.instance.config.name, decision.eventKey, decision.sagas);
}

/** A 2xx answer per saga: the answer itself for one saga, its `sagas` list for a fan-out (README, "Status codes"). */
export function perSaga(json: unknown): SagaAnswer[] {
  const answer = (json ?? {}) as SagaAnswer & { sagas?: SagaAnswer[] };
  return answer.sagas ?? [answer];
}

interface SagaAnswer {
  workflowId?: string;
  runId?: string;
  duplicate?: boolean;
}

/** What a redelivery of an event that made `starts` is answered with: 200, every saga a duplicate. */
export function duplicateAnswer(starts: { saga: string; workflowId: string }[]): unknown {
  return starts.length === 1 ? { workflowId: starts[0]!.workflowId, duplicate: true } : { sagas: starts.map((s) => ({ ...s, duplicate: true })) };
}

export { asDelivery } from '../../sources/sender/request';
