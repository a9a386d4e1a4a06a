import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `npm run new-source -- <name>`: a new HMAC-style source folder built on the shared engine
 * (sources/engine/hmac.ts), and its line in the registry. The contract suite picks it up at once; what
 * is left is checking the scheme against the vendor's docs (the TODOs) and real fixtures.
 */
const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const IMPORTS_MARKER = '// new-source: imports above this line';
const ENTRIES_MARKER = '  // new-source: entries above this line';

export interface ScaffoldResult {
  dir: string;
  files: string[];
  envPrefix: string;
}

export function names(name: string) {
  const id = name.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
  return { id, Id: id[0]!.toUpperCase() + id.slice(1), ENV: name.replace(/-/g, '_').toUpperCase(), header: `x-${name}` };
}

export function scaffoldSource(root: string, name: string): ScaffoldResult {
  if (!NAME.test(name) || name.length > 40) throw new Error(`"${name}": use lower-case letters, digits and dashes, starting with a letter (it becomes /webhooks/${name})`);
  const dir = join(root, 'sources', name);
  if (existsSync(dir)) throw new Error(`sources/${name} already exists`);
  const registryPath = join(root, 'sources', 'index.ts');
  const registry = readFileSync(registryPath, 'utf8');
  if (!registry.includes(IMPORTS_MARKER) || !registry.includes(ENTRIES_MARKER)) throw new Error('sources/index.ts has lost its "new-source:" marker comments');
  const n = names(name);
  if (registry.includes(`from './${name}'`)) throw new Error(`sources/index.ts already imports ./${name}`);

  const files: Record<string, string> = {
    'index.ts': indexTs(name, n),
    'verify.ts': verifyTs(name, n),
    'events.ts': eventsTs(n),
    'README.md': readme(name, n),
    'fixtures/sample-created.json': `${JSON.stringify(sampleEvent(), null, 2)}\n`,
  };
  mkdirSync(join(dir, 'fixtures'), { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);

  const updated = registry
    .replace(IMPORTS_MARKER, `import { ${n.id} } from './${name}';\n${IMPORTS_MARKER}`)
    .replace(ENTRIES_MARKER, `  ${n.id},\n${ENTRIES_MARKER}`);
  writeFileSync(registryPath, updated);
  documentVariables(root, name, n);
  return { dir, files: Object.keys(files), envPrefix: n.ENV };
}

type Names = ReturnType<typeof names>;

/** The new source's variables in .env.example, above the config-only sources (or at the end), each under a comment. */
const ENV_ANCHOR = '\n# Config-only sources';

function documentVariables(root: string, name: string, n: Names): void {
  const path = join(root, '.env.example');
  if (!existsSync(path)) return;
  const block = [
    `# ${name} (sources/${name}/README.md): comma-separated webhook secrets, several during a rotation.`,
    `# No secret = every ${name} delivery refused (401).`,
    `${n.ENV}_WEBHOOK_SECRETS=`,
    '# Replay window for the signed timestamp, seconds (too old and too new are both refused).',
    `${n.ENV}_TOLERANCE_SECONDS=300`,
    '',
  ].join('\n');
  const text = readFileSync(path, 'utf8');
  const at = text.indexOf(ENV_ANCHOR);
  writeFileSync(path, at < 0 ? `${text.trimEnd()}\n\n${block}` : `${text.slice(0, at + 1)}${block}${text.slice(at)}`);
}

function sampleEvent() {
  return {
    id: 'evt_0001',
    type: 'sample.created',
    created: '2026-11-24T16:42:18Z',
    data: { id: 'smp_1001', reference: 'S-1001', status: 'created' },
  };
}

const indexTs = (name: string, n: Names) => `import { join } from 'node:path';
import { z } from 'zod';
import { env, parseEnv } from '../../core/env';
import type { SourceAdapter, SourceConfig, SourceDefinition } from '../types';
import { DEFAULT_TOLERANCE_SECONDS } from '../engine/hmac';
import { editJson } from '../engine/json';
import { routeEvent } from '../engine/route';
import { hmacSenderParts, randomSecret } from '../sender/hmac';
import { ${n.ENV}_ROUTES, parse${n.Id}Event } from './events';
import { ${n.id}Scheme, verify${n.Id} } from './verify';

const schema = z.object({
  /** Comma-separated webhook secrets; several during a rotation. None = every delivery refused. */
  ${n.ENV}_WEBHOOK_SECRETS: env.list(),
  ${n.ENV}_TOLERANCE_SECONDS: env.int(DEFAULT_TOLERANCE_SECONDS, 1, 3600),
});

export interface ${n.Id}Config extends SourceConfig {
  secrets: readonly string[];
  toleranceSeconds: number;
}

export const ${n.id}: SourceDefinition<${n.Id}Config> = {
  name: '${name}',
  variables: Object.keys(schema.shape),
  configure(e) {
    const parsed = parseEnv(schema, e);
    return [{ name: '${name}', secrets: parsed.${n.ENV}_WEBHOOK_SECRETS, toleranceSeconds: parsed.${n.ENV}_TOLERANCE_SECONDS }];
  },
  create(config): SourceAdapter {
    const keys = config.secrets.map((s) => Buffer.from(s, 'utf8'));
    return {
      name: config.name,
      contentTypes: ['application/json'],
      routes: ${n.ENV}_ROUTES,
      verify: (delivery, now) => verify${n.Id}(delivery, keys, config.toleranceSeconds, now),
      decide(delivery) {
        const event = parse${n.Id}Event(delivery.rawBody);
        return routeEvent(${n.ENV}_ROUTES, { eventKey: event.id, eventType: event.type, input: event });
      },
    };
  },
  sender: {
    fixturesDir: () => join(__dirname, 'fixtures'),
    examples: () => [{ label: 'webhook secret', env: { ${n.ENV}_WEBHOOK_SECRETS: randomSecret('utf8') } }],
    fresh: (message, _config, unique) => ({ ...message, body: editJson(message.body, (body) => (body.id = \`evt_\${unique}\`)) }),
    ...hmacSenderParts<${n.Id}Config>((config) => ${n.id}Scheme(config.toleranceSeconds), () => 'utf8'),
  },
};
`;

const verifyTs = (name: string, n: Names) => `import type { Delivery } from '../types';
import { verifyHmac, type HmacScheme } from '../engine/hmac';

/**
 * TODO: check against ${name}'s webhook docs, then describe the real scheme here (header names, the
 * signed string, algorithm, encodings, prefix, timestamp unit). As scaffolded:
 * \`${n.header}-signature: sha256=<hex>\` = HMAC-SHA256 of \`<${n.header}-timestamp>.<raw body>\`, keyed
 * with the secret as a plain string; the timestamp is in Unix seconds. The shared engine
 * (sources/engine/hmac.ts, signing in sources/sender/hmac.ts) verifies, signs (sender CLI, tests) and lists the tamperings the contract
 * suite tries, all from this one description.
 */
export function ${n.id}Scheme(toleranceSeconds: number): HmacScheme {
  return {
    algorithm: 'sha256',
    signatureHeader: '${n.header}-signature',
    encoding: 'hex',
    prefix: 'sha256=',
    signedString: '{timestamp}.{body}',
    timestamp: { header: '${n.header}-timestamp', unit: 'seconds', toleranceSeconds },
  };
}

export function verify${n.Id}(delivery: Delivery, keys: readonly Buffer[], toleranceSeconds: number, now: Date): void {
  verifyHmac(delivery, ${n.id}Scheme(toleranceSeconds), keys, now);
}
`;

const eventsTs = (n: Names) => `import { parseJsonObject, requireString, type JsonObject } from '../engine/json';
import { routeTable } from '../engine/route';

/** TODO: the vendor's event envelope. As scaffolded: \`{ id, type, created, data }\`. */
export interface ${n.Id}Event extends JsonObject {
  /** The vendor's event id: the same on every retry, so it is the event key. */
  id: string;
  type: string;
  created?: string;
  data?: JsonObject;
}

/** Event type → saga (a name from core/saga/registry.ts: a typo fails the type-check). Other types are answered 200 and logged. */
export const ${n.ENV}_ROUTES = routeTable({
  'sample.created': 'recordEventSaga',
});

export function parse${n.Id}Event(rawBody: Buffer): ${n.Id}Event {
  const body = parseJsonObject(rawBody);
  requireString(body, 'id');
  requireString(body, 'type');
  return body as ${n.Id}Event;
}
`;

const readme = (name: string, n: Names) => `# ${name}

Endpoint: \`POST /webhooks/${name}\`. Made by \`npm run new-source -- ${name}\`: every TODO below is
still the scaffold's guess, to be checked against the vendor's documentation.

| | |
| --- | --- |
| Docs | TODO: link the vendor's webhook documentation |
| Headers | \`${n.header}-signature: sha256=<hex>\`, \`${n.header}-timestamp\` (Unix seconds) — TODO |
| Signing | HMAC-SHA256 of \`<timestamp>.<raw body>\`, keyed with the secret as a plain string — TODO |
| Replay window | \`${n.ENV}_TOLERANCE_SECONDS\` (default 300 s), too old and too new refused |
| Event key | the body's \`id\` (the same on every retry) — TODO |
| Handshake | none — TODO |
| Retries and timeouts | TODO: how often and for how long the vendor retries, and how long it waits for an answer |
| Secrets | \`${n.ENV}_WEBHOOK_SECRETS\`, comma-separated during a rotation |

Routes (\`events.ts\`): \`sample.created\` → \`recordEventSaga\`. Other event types are answered 200 and logged.

Fixtures (\`fixtures/\`) are bodies exactly as the vendor sends them (replace the sample with real
ones, one per routed event type); signatures are added by the tests and \`npm run send\`.

Checklist: fix the scheme in \`verify.ts\` and the envelope in \`events.ts\`; add real fixtures; add
\`${n.ENV}_WEBHOOK_SECRETS\` and \`${n.ENV}_TOLERANCE_SECONDS\` to \`.env.example\` and a dev secret to
\`src/dev-secrets.ts\`; run \`CONTRACT_SOURCES=${name} npx jest test/contract\`.
`;
