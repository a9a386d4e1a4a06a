import { join } from 'node:path';
import { hmac } from '../../core/crypto';
import { ConfigError } from '../../core/env';
import { MalformedPayloadError } from '../../core/errors';
import type { Decision, Delivery, SourceAdapter, SourceDefinition } from '../types';
import { ASYMMETRIC_ALGORITHMS, parsePublicKey, verifyAsymmetric, type AsymmetricAlgorithm, type AsymmetricScheme } from '../engine/asymmetric';
import { basicVerifier, tokenVerifier, type TokenLocation } from '../engine/credentials';
import { declaredSources, parseDeclared, resolveSecrets, type DeclaredConfig, type DeclaredEntry, type FilteredRoutes } from '../engine/declared';
import { matches } from '../engine/filter';
import { editForm, parseFormObject } from '../engine/form';
import { decodeKey, secretProblem, verifyHmac, type HmacScheme } from '../engine/hmac';
import { parseJsonObject, type JsonObject } from '../engine/json';
import { routeEvent } from '../engine/route';
import { selectKey, selectString, selectValue, withSelected, type Selector } from '../engine/selector';
import { keyPair, signAsymmetric } from '../sender/asymmetric';
import { basicCredential, presentToken, randomToken, tokenTamperings } from '../sender/credentials';
import { hmacReplayWindow, randomSecret, signHmac, signatureTamperings } from '../sender/hmac';
import { entrySchema, schemeOf, type GenericEntry } from './config';
import { genericExamples } from './examples';
import PRESETS from './presets.json';

/**
 * The generic config-only kind: any sender whose scheme can be described field by field
 * (config.ts), and the vendor presets on top of it (presets.json). Declared in SOURCES_CONFIG:
 *
 *   { "payments": { "preset": "stripe", "secretsEnv": "STRIPE_WEBHOOK_SECRETS", "routes": { "invoice.paid": "recordEventSaga" } } }
 */
const KIND = 'generic';

export const PRESET_NAMES = Object.keys(PRESETS) as (keyof typeof PRESETS)[];

type Answer = GenericEntry['handshakes'][number];

export interface GenericConfig extends DeclaredConfig, Omit<GenericEntry, 'kind' | 'secrets' | 'secretsEnv' | 'publicKeys' | 'publicKeysEnv' | 'routes' | 'contentTypes'> {
  readonly preset?: string;
  /** HMAC secrets, tokens, or `user:password` credentials. */
  readonly secrets: readonly string[];
  /** Public keys (PEM, base64 DER, or raw Ed25519) for the asymmetric schemes. */
  readonly publicKeys: readonly string[];
  readonly routes: FilteredRoutes;
  readonly contentTypes: readonly string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The entry with its preset's fields under it: the user's fields win, objects (signature, timestamp) merged one level. */
function withPreset(entry: DeclaredEntry): Record<string, unknown> {
  const { preset, ...own } = entry.raw;
  if (preset === undefined) return own;
  if (typeof preset !== 'string' || !Object.hasOwn(PRESETS, preset)) {
    throw new ConfigError(`SOURCES_CONFIG ${entry.name}.preset: unknown preset ${JSON.stringify(preset)} (presets: ${PRESET_NAMES.join(', ')})`);
  }
  const base: Record<string, unknown> = PRESETS[preset as keyof typeof PRESETS];
  const merged: Record<string, unknown> = { kind: KIND, ...base };
  for (const [field, value] of Object.entries(own)) merged[field] = isObject(value) && isObject(base[field]) ? { ...base[field], ...value } : value;
  return merged;
}

const isAsymmetric = (scheme: string): scheme is AsymmetricAlgorithm => (ASYMMETRIC_ALGORITHMS as readonly string[]).includes(scheme);

/** A secret as the vendor shows it, without its `secretPrefix`. */
function withoutPrefix(secret: string, prefix: string | undefined): string {
  return prefix && secret.startsWith(prefix) ? secret.slice(prefix.length) : secret;
}

function keyOf(config: GenericConfig, secret: string): Buffer {
  return decodeKey(withoutPrefix(secret, config.secretPrefix), config.keyEncoding);
}

function configureOne(entry: DeclaredEntry, env: NodeJS.ProcessEnv): GenericConfig {
  const preset = typeof entry.raw.preset === 'string' ? entry.raw.preset : undefined;
  const parsed = parseDeclared(entrySchema, { ...entry, raw: withPreset(entry) });
  const { kind: _kind, secrets: inline, secretsEnv, publicKeys: inlineKeys, publicKeysEnv, contentTypes, ...rest } = parsed;
  const asymmetric = isAsymmetric(parsed.scheme);
  const secrets = asymmetric ? [] : resolveSecrets({ secrets: inline, secretsEnv }, entry.name, env);
  const publicKeys = asymmetric ? resolveSecrets({ secrets: inlineKeys, secretsEnv: publicKeysEnv }, entry.name, env, 'publicKeys') : [];
  const field = (name: string, envName: string | undefined, i: number) => `SOURCES_CONFIG ${entry.name}.${envName ? `${name}Env (${envName})` : name}[${i}]`;
  if (parsed.scheme === 'hmac') {
    secrets.forEach((secret, i) => {
      const problem = secretProblem(withoutPrefix(secret, parsed.secretPrefix), parsed.keyEncoding);
      if (problem) throw new ConfigError(`${field('secrets', secretsEnv, i)}: ${problem}`);
    });
  }
  if (parsed.scheme === 'basic') {
    secrets.forEach((secret, i) => {
      if (!secret.includes(':')) throw new ConfigError(`${field('secrets', secretsEnv, i)}: Basic credentials are user:password`);
    });
  }
  publicKeys.forEach((key, i) => {
    try {
      parsePublicKey(key, parsed.scheme as AsymmetricAlgorithm);
    } catch (err) {
      throw new ConfigError(`${field('publicKeys', publicKeysEnv, i)}: ${(err as Error).message}`);
    }
  });
  parsed.handshakes.forEach((h, i) => {
    if (parsed.scheme !== 'hmac' && Object.values(h.json ?? {}).some((v) => typeof v === 'object' && 'hmac' in v)) {
      throw new ConfigError(`SOURCES_CONFIG ${entry.name}.handshakes.${i}.json: an hmac answer needs scheme hmac (it is keyed with the first secret)`);
    }
  });
  return {
    name: entry.name,
    ...(preset ? { preset } : {}),
    secrets,
    publicKeys,
    ...rest,
    contentTypes: contentTypes ?? [parsed.body === 'form' ? 'application/x-www-form-urlencoded' : 'application/json'],
    ...(entry.fixturesDir ? { fixturesDir: entry.fixturesDir } : {}),
  };
}

function hmacScheme(config: GenericConfig): HmacScheme {
  return { ...schemeOf(config), algorithm: config.algorithm };
}

function asymmetricScheme(config: GenericConfig): AsymmetricScheme {
  return { ...schemeOf(config), algorithm: config.scheme as AsymmetricAlgorithm, ecdsaFormat: config.ecdsaFormat };
}

function tokenLocation(config: GenericConfig): TokenLocation {
  return config.token ?? { header: 'authorization', scheme: 'Basic' };
}

function verifier(config: GenericConfig): (delivery: Delivery, now: Date) => void {
  if (config.scheme === 'hmac') {
    const scheme = hmacScheme(config);
    const keys = config.secrets.map((s) => keyOf(config, s));
    return (delivery, now) => verifyHmac(delivery, scheme, keys, now);
  }
  if (isAsymmetric(config.scheme)) {
    const scheme = asymmetricScheme(config);
    const keys = config.publicKeys.map((k) => parsePublicKey(k, scheme.algorithm));
    return (delivery, now) => verifyAsymmetric(delivery, scheme, keys, now);
  }
  return config.scheme === 'token' ? tokenVerifier(config.secrets, tokenLocation(config)) : basicVerifier(config.secrets);
}

const selectors = (config: GenericConfig): Selector[] => (Array.isArray(config.eventKey) ? config.eventKey : [config.eventKey]);

/** A handshake's answer, from the verified request. */
function answer(h: Answer, config: GenericConfig, delivery: Delivery, body: JsonObject): Decision {
  const label = (s: Selector) => s.path.replace(/[^A-Za-z0-9]+/g, '_');
  if (h.text) return { action: 'respond', status: h.status, body: selectString(h.text, delivery, body, label(h.text)), contentType: 'text/plain' };
  const out: Record<string, unknown> = {};
  for (const [field, spec] of Object.entries(h.json ?? {})) {
    if ('value' in spec) out[field] = spec.value;
    else if ('hmac' in spec) out[field] = hmac(config.algorithm, keyOf(config, config.secrets[0]!), selectString(spec.hmac, delivery, body, label(spec.hmac))).toString(spec.encoding);
    else {
      const value = selectValue(spec, delivery, body);
      if (value === undefined) throw new MalformedPayloadError(`missing_${label(spec)}`);
      out[field] = value;
    }
  }
  return { action: 'respond', status: h.status, body: out, contentType: 'application/json' };
}

function decide(config: GenericConfig, delivery: Delivery): Decision {
  const body = config.body === 'form' ? parseFormObject(delivery.rawBody) : parseJsonObject(delivery.rawBody);
  // Handshakes first: a challenge carries no event, and starts nothing.
  const handshake = config.handshakes.find((h) => matches(h.when, delivery, body));
  if (handshake) return answer(handshake, config, delivery, body);
  const keys = selectors(config).map((s) => selectKey(s, delivery, body, 'event_key'));
  const eventKey = keys.length === 1 ? keys[0]! : JSON.stringify(keys);
  const eventType = 'value' in config.eventType ? config.eventType.value : selectString(config.eventType, delivery, body, 'event_type');
  const filters = config.routes.filters.get(eventType) ?? [];
  return routeEvent(config.routes.table, { eventKey, eventType, input: body }, (saga) => filters.every((f) => f.saga !== saga || matches(f.filter, delivery, body)));
}

export const genericSource: SourceDefinition<GenericConfig> = {
  name: KIND,
  variables: ['SOURCES_CONFIG'],
  configure: (env) =>
    declaredSources(env)
      .filter((entry) => entry.kind === KIND)
      .map((entry) => configureOne(entry, env)),
  create(config): SourceAdapter {
    const credentials = config.scheme === 'token' || config.scheme === 'basic' ? [tokenLocation(config)] : [];
    return { name: config.name, contentTypes: config.contentTypes, routes: config.routes.table, credentials, verify: verifier(config), decide: (delivery) => decide(config, delivery) };
  },
  sender: {
    fixturesDir: (config) => config.fixturesDir ?? join(__dirname, 'fixtures', config.preset ?? 'sample'),
    examples: genericExamples,
    sign(message, config, options) {
      const key = options.key ?? config.secrets[0];
      if (!key) throw new Error(`${config.name} has no ${isAsymmetric(config.scheme) ? 'private key given to sign with' : 'secret configured'}: pass one to sign with`);
      if (config.scheme === 'hmac') return signHmac(message, hmacScheme(config), keyOf(config, key), options.now, options.url);
      if (isAsymmetric(config.scheme)) return signAsymmetric(message, asymmetricScheme(config), key, options.now, options.url);
      return presentToken(message, tokenLocation(config), config.scheme === 'basic' ? basicCredential(key) : key);
    },
    fresh(message, config, unique) {
      const selector = selectors(config)[0]!;
      if (selector.from === 'body' && config.body === 'form') return { ...message, body: editForm(message.body, selector.path, `evt_${unique}`) };
      return withSelected(message, selector, `evt_${unique}`);
    },
    wrongKey(config) {
      if (config.scheme === 'hmac') return { key: config.secretPrefix ? `${config.secretPrefix}${randomSecret(config.keyEncoding)}` : randomSecret(config.keyEncoding), reason: 'signature_mismatch' };
      if (isAsymmetric(config.scheme)) return { key: keyPair(config.scheme).privateKey, reason: 'signature_mismatch' };
      return { key: config.scheme === 'basic' ? `intruder:${randomToken()}` : randomToken(), reason: 'token_mismatch' };
    },
    tamperings(config) {
      if (config.scheme === 'hmac') return signatureTamperings(hmacScheme(config));
      // An ECDSA DER signature has no fixed length: two bytes short, it is merely wrong.
      if (isAsymmetric(config.scheme)) return signatureTamperings(asymmetricScheme(config), config.scheme === 'ecdsa-p256' && config.ecdsaFormat === 'der' ? 'signature_mismatch' : 'malformed_signature');
      return tokenTamperings(tokenLocation(config));
    },
    replayWindow: (config) => (config.scheme === 'token' || config.scheme === 'basic' ? undefined : hmacReplayWindow(schemeOf(config))),
  },
};
