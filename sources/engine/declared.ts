import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../../core/env';
import { SAGA_NAMES, unknownSagaProblem, type SagaName } from '../../core/saga/registry';
import type { RouteTable, SourceConfig } from '../types';
import { filterSchema, type Filter } from './filter';

/**
 * Config-only sources: endpoints declared in SOURCES_CONFIG, no code. SOURCES_CONFIG holds either the
 * JSON itself or the path of a JSON file. The JSON is an object keyed by endpoint name:
 *
 *   { "acme-billing": { "kind": "standard-webhooks", "secretsEnv": "ACME_BILLING_WEBHOOK_SECRETS",
 *                       "routes": { "invoice.paid": "recordEventSaga" } } }
 *
 * Each kind validates its own entries with a strict zod schema (a misspelt field is an error, not a
 * silently ignored option); every error names SOURCES_CONFIG and the field's path.
 */
export const DECLARED_KINDS = ['standard-webhooks', 'hmac', 'generic'] as const;
export type DeclaredKind = (typeof DECLARED_KINDS)[number];

/** Endpoint names are URL path segments and workflow-ID prefixes: keep them plain. */
const ENDPOINT_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

export interface DeclaredEntry {
  readonly name: string;
  readonly kind: DeclaredKind;
  /** The entry's own fields, for its kind's schema (without `fixtures`, which every kind shares). */
  readonly raw: Record<string, unknown>;
  readonly fixturesDir?: string;
}

/** What every declared endpoint's config carries besides its kind's fields. */
export interface DeclaredConfig extends SourceConfig {
  /**
   * The folder of this endpoint's fixtures for the contract suite and the sender CLI (`fixtures` in
   * the entry, relative to the config file); unset, the kind's sample fixtures are used.
   */
  readonly fixturesDir?: string;
}

/**
 * `fixtures` is read here, not by each kind: it is sender tooling, which the receiver ignores, and
 * it is relative to the file, which only the envelope knows.
 */
const fileSchema = z.record(
  z.string(),
  z
    .looseObject({ kind: z.enum(DECLARED_KINDS).optional(), preset: z.string().optional(), fixtures: z.string().min(1).optional() })
    // A preset is data for the generic kind (sources/generic/presets.json): `kind` may then be left out.
    .refine((e) => e.kind !== undefined || e.preset !== undefined, { message: 'give a kind (standard-webhooks, hmac, generic) or a preset', path: ['kind'] })
    .refine((e) => e.preset === undefined || (e.kind ?? 'generic') === 'generic', { message: 'a preset is a generic endpoint: leave kind out', path: ['preset'] }),
);

function problems(error: z.ZodError, prefix: (string | number)[]): string {
  return error.issues.map((issue) => `SOURCES_CONFIG ${[...prefix, ...issue.path].join('.') || '(top level)'}: ${issue.message}`).join('\n  ');
}

/** Reads and checks the envelope of SOURCES_CONFIG; [] when unset. */
export function declaredSources(env: NodeJS.ProcessEnv): DeclaredEntry[] {
  const value = env.SOURCES_CONFIG?.trim();
  if (!value) return [];
  let text = value;
  // Inline JSON has no file: its fixture folders are relative to the working directory.
  let base = process.cwd();
  if (!value.startsWith('{')) {
    const path = resolve(value);
    base = dirname(path);
    if (!existsSync(path)) throw new ConfigError(`SOURCES_CONFIG: no such file ${path} (give a JSON file's path, or the JSON itself)`);
    text = readFileSync(path, 'utf8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`SOURCES_CONFIG: not valid JSON (${(err as Error).message})`);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) throw new ConfigError(`invalid configuration:\n  ${problems(parsed.error, [])}`);
  for (const name of Object.keys(parsed.data)) {
    if (!ENDPOINT_NAME.test(name)) throw new ConfigError(`SOURCES_CONFIG ${name}: endpoint names are lower-case letters, digits and dashes (they become /webhooks/<name>)`);
  }
  return Object.entries(parsed.data).map(([name, { fixtures, ...raw }]) => ({ name, kind: raw.kind ?? 'generic', raw, ...(fixtures ? { fixturesDir: resolve(base, fixtures) } : {}) }));
}

/** Parses one entry with its kind's schema; errors read `SOURCES_CONFIG <name>.<field>: ...`. */
export function parseDeclared<S extends z.ZodType>(schema: S, entry: DeclaredEntry): z.infer<S> {
  const parsed = schema.safeParse(entry.raw);
  if (!parsed.success) throw new ConfigError(`invalid configuration:\n  ${problems(parsed.error, [entry.name])}`);
  return parsed.data;
}

/**
 * Secrets of a declared source: inline (`secrets`, fine for tests and local files) or, better, the
 * name of an environment variable holding a comma-separated list (`secretsEnv`), so the file can
 * live in a ConfigMap while the secrets stay in the secret store.
 */
export const secretFields = {
  secrets: z.array(z.string().min(1)).min(1).optional(),
  secretsEnv: z.string().regex(ENV_NAME, 'an environment variable name such as ACME_WEBHOOK_SECRETS').optional(),
};

export function resolveSecrets(entry: { secrets?: string[] | undefined; secretsEnv?: string | undefined }, name: string, env: NodeJS.ProcessEnv, field = 'secrets'): string[] {
  if (entry.secrets && entry.secretsEnv) throw new ConfigError(`SOURCES_CONFIG ${name}: give either ${field} or ${field}Env, not both`);
  if (entry.secrets) return entry.secrets;
  if (!entry.secretsEnv) throw new ConfigError(`SOURCES_CONFIG ${name}.${field}Env: required (or inline ${field})`);
  return (env[entry.secretsEnv] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Event type → saga, or a list of sagas (a fan-out: each its own workflow, core/workflow-id.ts); at
 * least one route, each to sagas the worker registers (the error names the route and lists the sagas
 * that exist), none twice in one route. Read into a Map: a route table is never an object whose
 * prototype a vendor's event type could reach.
 */
const sagaSchema = z.enum(SAGA_NAMES, { error: (issue) => unknownSagaProblem(String(issue.input)) });

/**
 * One route's value: an item or a list of them, each read by `item` with its path inside the route
 * (`[]`, or `[i]` in a list), so an error names the field itself rather than zod's "Invalid input" of
 * a union. A list names each saga once (a saga twice would run twice for one event).
 */
function oneOrList<T>(item: (value: unknown) => z.ZodSafeParseResult<T>, sagaOf: (item: T) => SagaName) {
  return z.unknown().transform((value, ctx): { item: T; path: number[] }[] => {
    const list = Array.isArray(value);
    const values: unknown[] = list ? value : [value];
    if (values.length === 0) ctx.addIssue({ code: 'custom', message: 'at least one saga' });
    const items: { item: T; path: number[] }[] = [];
    values.forEach((v, i) => {
      const path = list ? [i] : [];
      const parsed = item(v);
      if (parsed.success) items.push({ item: parsed.data, path });
      else for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: [...path, ...issue.path] });
    });
    const sagas = items.map((i) => sagaOf(i.item));
    const twice = sagas.find((saga, i) => sagas.indexOf(saga) !== i);
    if (twice) ctx.addIssue({ code: 'custom', message: `names ${twice} twice` });
    return items;
  });
}

const atLeastOneRoute = (routes: Record<string, unknown>) => Object.keys(routes).length > 0;

export const routesSchema = z
  .record(
    z.string().min(1),
    oneOrList((v) => sagaSchema.safeParse(v), (saga) => saga),
  )
  .refine(atLeastOneRoute, 'at least one event type → saga')
  .transform((routes): RouteTable => new Map(Object.entries(routes).map(([type, items]) => [type, items.map((i) => i.item)])));

/** A saga that starts only when its filter holds (sources/engine/filter.ts). */
const filteredSagaSchema = z.strictObject({ saga: sagaSchema, when: filterSchema });

/**
 * Routes whose sagas may carry a filter: each saga of a route is `"saga"` or `{ "saga": "...", "when": { <filter> } }`,
 * one or a list. A filtered saga starts only when its filter holds; when none of the route's does,
 * the event is answered 200 and logged.
 */
export const filteredRoutesSchema = z
  .record(
    z.string().min(1),
    oneOrList<SagaName | z.infer<typeof filteredSagaSchema>>(
      (v) => (typeof v === 'string' ? sagaSchema.safeParse(v) : filteredSagaSchema.safeParse(v)),
      (route) => (typeof route === 'string' ? route : route.saga),
    ),
  )
  .refine(atLeastOneRoute, 'at least one event type → saga')
  .transform((routes): FilteredRoutes => {
    const table = new Map<string, SagaName[]>();
    const filters = new Map<string, RouteFilter[]>();
    for (const [type, items] of Object.entries(routes)) {
      table.set(type, items.map(({ item }) => (typeof item === 'string' ? item : item.saga)));
      const filtered = items.flatMap(({ item, path }) => (typeof item === 'string' ? [] : [{ saga: item.saga, filter: item.when, path: [type, ...path, 'when'] }]));
      if (filtered.length) filters.set(type, filtered);
    }
    return { table, filters };
  });

export interface RouteFilter {
  readonly saga: SagaName;
  readonly filter: Filter;
  /** Where it is declared, inside `routes` (`[type, "when"]`, or `[type, i, "when"]` in a list): for start-up errors. */
  readonly path: readonly (string | number)[];
}

export interface FilteredRoutes {
  readonly table: RouteTable;
  /** Per event type, the filters of its filtered sagas. */
  readonly filters: ReadonlyMap<string, readonly RouteFilter[]>;
}

export const contentTypesSchema = z.array(z.string().regex(/^[a-z0-9.+-]+\/[a-z0-9.+-]+$/, 'a media type such as application/json')).min(1);
