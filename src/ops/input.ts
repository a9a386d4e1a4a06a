import type { RequestHandler, Response } from 'express';
import type { z } from 'zod';
import type { ApiRoute } from '../http/openapi';
import { refusals } from './api-schemas';
import { OpsBadRequestError } from './errors';

/**
 * The console checks each request with the schemas its OpenAPI description is generated from: the
 * route's entry in OPS_API_ROUTES (router.ts) names its query and body schemas (api-schemas.ts), this
 * middleware parses them and leaves the result for the handler (inputOf), and the first bad field is
 * answered 400 with the reason its schema carries. It runs after the role check, so a caller without
 * the role learns nothing about the input.
 */

/** Empty strings and nulls count as absent: `?source=` from a form, `"filter": null` from a script. */
function withoutBlanks(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== '' && v !== null)
      .map(([k, v]) => [k, withoutBlanks(v)]),
  );
}

/** The schema inside optional, default, catch and pipe wrappers. */
function inner(schema: z.ZodType): z.ZodType | undefined {
  const def = schema._zod.def as { innerType?: z.ZodType; in?: z.ZodType };
  return def.innerType ?? def.in;
}

/** The refusal for a bad value at `path`: the innermost field along it that carries one. */
function refusalAt(schema: z.ZodType, path: readonly PropertyKey[]): { reason: string; field: boolean } {
  let found: { reason: string; field: boolean } | undefined;
  let at: z.ZodType | undefined = schema;
  for (let i = 0; at; ) {
    found = refusals.get(at) ?? found;
    const shape: Record<string, z.ZodType> | undefined = (at._zod.def as { shape?: Record<string, z.ZodType> }).shape;
    at = shape && i < path.length ? shape[String(path[i++])] : inner(at);
  }
  return found ?? { reason: 'bad_request', field: false };
}

function parse(schema: z.ZodType | undefined, value: unknown): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(withoutBlanks(value));
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const { reason, field } = refusalAt(schema, issue.path);
  const name = issue.path.at(-1);
  throw new OpsBadRequestError(reason, issue.message, field && name !== undefined ? { field: String(name) } : undefined);
}

/** Checks the query and body of whichever route it runs in, by that route's entry in `routes`. */
export function checkedInput(routes: readonly ApiRoute[]): RequestHandler {
  return (req, res, next) => {
    const method = req.method.toLowerCase();
    const route = routes.find((r) => r.method === method && r.path === (req.route as { path?: unknown } | undefined)?.path);
    if (!route) throw new Error(`no OPS_API_ROUTES entry for ${req.method} ${String((req.route as { path?: unknown } | undefined)?.path)}`);
    res.locals.opsInput = { route, query: parse(route.query, req.query), body: parse(route.body, req.body ?? {}) };
    next();
  };
}

/**
 * The checked query or body, typed by the schema that checked it: the one in the route's entry (a
 * handler naming another one is a bug, refused here).
 */
export function inputOf<S extends z.ZodType>(res: Response, part: 'query' | 'body', schema: S): z.output<S> {
  const input = res.locals.opsInput;
  if (!input || input.route[part] !== schema) throw new Error(`this route's ${part} is not checked with that schema`);
  return input[part] as z.output<S>;
}
