import { z } from 'zod';

/**
 * Environment parsing shared by the core config and each source's config. A schema is a zod object
 * keyed by variable name, so every error names the variable that is wrong.
 */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Parses `env` with a schema keyed by variable names; throws one ConfigError listing every bad variable. */
export function parseEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  // Blank values count as unset, so `FOO=` in a .env file falls back to the default.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`);
  throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
}

/** Building blocks for env schemas. */
export const env = {
  int: (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
    z.coerce.number().int().min(min).max(max).default(fallback),
  bool: (fallback: boolean) =>
    z
      .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'])
      .transform((v) => ['1', 'true', 'yes', 'on'].includes(v))
      .default(fallback),
  /** Comma-separated list (several secrets during a rotation); blanks dropped. */
  list: () =>
    z
      .string()
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      )
      .default([]),
  url: (fallback: string) => z.url().default(fallback).transform((v) => v.replace(/\/$/, '')),
  /** A byte size such as 1048576, 64kb or 1mb. */
  bytes: (fallback: number) =>
    z
      .string()
      .regex(/^\d+\s*(b|kb|kib|mb|mib)?$/i, 'expected a size such as 1048576, 64kb or 1mb')
      .transform((v) => {
        const [, n, unit = 'b'] = /^(\d+)\s*([a-z]*)$/i.exec(v)!;
        const factor = unit.toLowerCase().startsWith('m') ? 1024 ** 2 : unit.toLowerCase().startsWith('k') ? 1024 : 1;
        return Number(n) * factor;
      })
      .default(fallback),
};
