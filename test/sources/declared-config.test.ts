import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSourceInstances, buildSources } from '../../sources';
import { ConfigError } from '../../core/env';

/** SOURCES_CONFIG: config-only endpoints, validated at start-up with errors that name the field. */
const hmacEntry = {
  kind: 'hmac',
  secrets: ['s3cret'],
  signature: { header: 'x-acme-signature', prefix: 'sha256=' },
  eventKey: 'body:id',
  eventType: 'body:type',
  routes: { 'order.created': 'recordEventSaga' },
};
const standardEntry = { kind: 'standard-webhooks', secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], routes: { 'invoice.paid': 'recordEventSaga' } };

/** Any code source's endpoint name: a declaration may not take it. */
const builtInName = [...buildSources({}).keys()][0]!;

function configError(sourcesConfig: unknown, env: NodeJS.ProcessEnv = {}): string {
  try {
    buildSources({ SOURCES_CONFIG: typeof sourcesConfig === 'string' ? sourcesConfig : JSON.stringify(sourcesConfig), ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a configuration error');
}

describe('SOURCES_CONFIG', () => {
  it('adds every declared endpoint, by name, next to the built-in sources', () => {
    // The built-in sources are whatever the registry holds: a new one must not break this test.
    const builtIn = [...buildSources({}).keys()];
    expect(builtIn.length).toBeGreaterThan(0);
    const sources = buildSources({ SOURCES_CONFIG: JSON.stringify({ acme: hmacEntry, 'acme-eu': { ...hmacEntry, secrets: ['other'] }, billing: standardEntry }) });
    expect([...sources.keys()].sort()).toEqual(['acme', 'acme-eu', 'billing', ...builtIn].sort());
    expect(sources.get('billing')!.routes).toEqual(new Map([['invoice.paid', ['recordEventSaga']]]));
  });

  it('reads a route naming several sagas (a fan-out) as their list, in its order', () => {
    const sources = buildSources({ SOURCES_CONFIG: JSON.stringify({ acme: { ...hmacEntry, routes: { 'order.created': ['recordEventSaga', 'frontInboundSaga'], 'order.paid': 'recordEventSaga' } } }) });
    expect(sources.get('acme')!.routes).toEqual(new Map([['order.created', ['recordEventSaga', 'frontInboundSaga']], ['order.paid', ['recordEventSaga']]]));
  });

  it('reads a fixtures folder relative to the config file, and only for the entry that names it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sources-config-'));
    try {
      const file = join(dir, 'sources.json');
      writeFileSync(file, JSON.stringify({ acme: { ...hmacEntry, fixtures: 'fixtures/acme' }, 'acme-eu': hmacEntry }));
      const instances = buildSourceInstances({ SOURCES_CONFIG: file });
      const dirOf = (name: string) => {
        const i = instances.find((x) => x.config.name === name)!;
        return i.definition.sender.fixturesDir(i.config);
      };
      expect(dirOf('acme')).toBe(join(dir, 'fixtures', 'acme'));
      expect(dirOf('acme-eu')).toBe(join(__dirname, '..', '..', 'sources', 'hmac', 'fixtures'));
      expect(configError({ acme: { ...hmacEntry, fixtures: 3 } })).toMatch(/SOURCES_CONFIG acme\.fixtures/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads a JSON file when given a path, and secrets from the variable secretsEnv names', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sources-config-'));
    try {
      const file = join(dir, 'sources.json');
      const { secrets: _inline, ...entry } = hmacEntry;
      writeFileSync(file, JSON.stringify({ acme: { ...entry, secretsEnv: 'ACME_WEBHOOK_SECRETS' } }));
      const [acme] = buildSourceInstances({ SOURCES_CONFIG: file, ACME_WEBHOOK_SECRETS: 'one, two' }).filter((i) => i.config.name === 'acme');
      expect(acme!.config.secrets).toEqual(['one', 'two']);
      // Unset variable: the endpoint exists and fails closed, like a built-in source without its secret.
      const [bare] = buildSourceInstances({ SOURCES_CONFIG: file }).filter((i) => i.config.name === 'acme');
      expect(bare!.config.secrets).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('uses the defaults a sender most often needs', () => {
    const [acme] = buildSourceInstances({ SOURCES_CONFIG: JSON.stringify({ acme: hmacEntry }) }).filter((i) => i.config.name === 'acme');
    expect(acme!.config).toMatchObject({ algorithm: 'sha256', keyEncoding: 'utf8', signedString: '{body}', contentTypes: ['application/json'], signature: { encoding: 'hex' } });
  });

  it.each([
    ['a missing file', '/nonexistent/sources.json', /SOURCES_CONFIG: no such file/],
    ['invalid JSON', '{"acme": ', /SOURCES_CONFIG: not valid JSON/],
    ['an unknown kind', { acme: { ...hmacEntry, kind: 'soap' } }, /SOURCES_CONFIG acme\.kind/],
    ['a bad endpoint name', { 'Acme Corp': hmacEntry }, /SOURCES_CONFIG Acme Corp/],
    ['a missing signature header', { acme: { ...hmacEntry, signature: { prefix: 'sha256=' } } }, /SOURCES_CONFIG acme\.signature\.header/],
    ['an unknown algorithm', { acme: { ...hmacEntry, algorithm: 'md5' } }, /SOURCES_CONFIG acme\.algorithm/],
    ['an unknown signature encoding', { acme: { ...hmacEntry, signature: { header: 'x-s', encoding: 'base32' } } }, /SOURCES_CONFIG acme\.signature\.encoding/],
    ['a misspelt field', { acme: { ...hmacEntry, algoritm: 'sha1' } }, /SOURCES_CONFIG acme.*algoritm/],
    ['a template without {body}', { acme: { ...hmacEntry, signedString: '{timestamp}' } }, /SOURCES_CONFIG acme\.signedString/],
    ['a template with an unknown placeholder', { acme: { ...hmacEntry, signedString: '{nonce}{body}' } }, /acme\.signedString: unknown placeholder \{nonce\}/],
    ['{form} in the hmac kind (its bodies are JSON)', { acme: { ...hmacEntry, signedString: '{form}' } }, /acme\.signedString: signs \{form\}/],
    ['{url} without a public URL', { acme: { ...hmacEntry, signedString: '{url}{body}' } }, /acme\.signedString: uses \{url\} but no publicUrl/],
    ['{timestamp} without a timestamp header', { acme: { ...hmacEntry, signedString: '{timestamp}.{body}' } }, /acme\.signedString: uses \{timestamp\}/],
    ['a timestamp that is not signed', { acme: { ...hmacEntry, timestamp: { header: 'x-ts' } } }, /acme\.signedString: does not sign \{timestamp\}/],
    ['{id} without an id header', { acme: { ...hmacEntry, signedString: '{id}.{body}' } }, /acme\.signedString: uses \{id\}/],
    ['a bad event key selector', { acme: { ...hmacEntry, eventKey: 'json:id' } }, /SOURCES_CONFIG acme\.eventKey/],
    ['no routes', { acme: { ...hmacEntry, routes: undefined } }, /SOURCES_CONFIG acme\.routes/],
    ['an empty route table', { acme: { ...hmacEntry, routes: {} } }, /SOURCES_CONFIG acme\.routes: at least one/],
    ['a route to something that is no workflow name', { acme: { ...hmacEntry, routes: { 'order.created': 'record event' } } }, /SOURCES_CONFIG acme\.routes\.order\.created/],
    ['a route to a saga that does not exist', { acme: { ...hmacEntry, routes: { 'order.created': 'recordEventSag' } } }, /SOURCES_CONFIG acme\.routes\.order\.created: "recordEventSag" is not a saga .*recordEventSaga/],
    ['a fan-out to a saga that does not exist', { acme: { ...hmacEntry, routes: { 'order.created': ['recordEventSaga', 'frontInboundSag'] } } }, /SOURCES_CONFIG acme\.routes\.order\.created\.1: "frontInboundSag" is not a saga/],
    ['a fan-out naming a saga twice', { acme: { ...hmacEntry, routes: { 'order.created': ['recordEventSaga', 'recordEventSaga'] } } }, /SOURCES_CONFIG acme\.routes\.order\.created: names recordEventSaga twice/],
    ['an empty fan-out', { acme: { ...hmacEntry, routes: { 'order.created': [] } } }, /SOURCES_CONFIG acme\.routes\.order\.created: at least one saga/],
    ['an event key from an unsigned header', { acme: { ...hmacEntry, eventKey: 'header:x-acme-event-id' } }, /SOURCES_CONFIG acme\.eventKey: header x-acme-event-id is not covered by the signature/],
    ['an event type from an unsigned header', { acme: { ...hmacEntry, eventType: 'header:x-acme-event-type' } }, /SOURCES_CONFIG acme\.eventType: header x-acme-event-type is not covered/],
    ['a Standard Webhooks type from an unsigned header', { billing: { ...standardEntry, eventType: 'header:x-event-type' } }, /SOURCES_CONFIG billing\.eventType: header x-event-type is not covered/],
    ['both secrets and secretsEnv', { acme: { ...hmacEntry, secretsEnv: 'ACME' } }, /SOURCES_CONFIG acme: give either secrets or secretsEnv/],
    ['neither secrets nor secretsEnv', { acme: { ...hmacEntry, secrets: undefined } }, /SOURCES_CONFIG acme\.secretsEnv: required/],
    ['a secret not in its keyEncoding', { acme: { ...hmacEntry, keyEncoding: 'hex' } }, /SOURCES_CONFIG acme\.secrets\[0\]: not hex/],
    ['a Standard Webhooks secret that is not whsec_', { billing: { ...standardEntry, secrets: ['not base64!'] } }, /SOURCES_CONFIG billing\.secrets\[0\]: expected whsec_/],
    ['a Standard Webhooks tolerance out of range', { billing: { ...standardEntry, toleranceSeconds: 0 } }, /SOURCES_CONFIG billing\.toleranceSeconds/],
    ['a built-in endpoint name', { [builtInName]: hmacEntry }, new RegExp(`two sources are named "${builtInName}"`)],
  ])('refuses %s, naming it', (_name, value, message) => {
    expect(configError(value)).toMatch(message);
  });

  it('names the variable when a secret read through secretsEnv is malformed', () => {
    const { secrets: _inline, ...entry } = standardEntry;
    expect(configError({ billing: { ...entry, secretsEnv: 'BILLING_SECRETS' } }, { BILLING_SECRETS: 'whsec_ok+/=,nope!' })).toMatch(/billing\.secretsEnv \(BILLING_SECRETS\)\[1\]/);
  });
});
