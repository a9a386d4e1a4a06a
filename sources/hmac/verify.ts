import { z } from 'zod';
import type { HmacAlgorithm } from '../../core/crypto';
import { DEFAULT_TOLERANCE_SECONDS, templateProblem, type HmacScheme, type KeyEncoding } from '../engine/hmac';

/**
 * The config-only HMAC kind: every choice a sender can make is a field of its SOURCES_CONFIG entry,
 * turned into an HmacScheme for the shared engine (sources/engine/hmac.ts), which also signs for the
 * sender CLI and the tests.
 */
const headerName = z
  .string()
  .regex(/^[A-Za-z0-9-]+$/, 'a header name such as x-acme-signature')
  .transform((h) => h.toLowerCase());

export const signatureSchema = z.strictObject({
  header: headerName,
  encoding: z.enum(['hex', 'base64']).default('hex'),
  /** e.g. "sha256=" (GitHub-style) or "v1," (Standard Webhooks-style). */
  prefix: z.string().default(''),
  /** Several signatures in one header, e.g. " " or ",". */
  separator: z.string().min(1).optional(),
});

export const timestampSchema = z.strictObject({
  header: headerName,
  unit: z.enum(['seconds', 'milliseconds']).default('seconds'),
  toleranceSeconds: z.int().min(1).max(86_400).default(DEFAULT_TOLERANCE_SECONDS),
});

export const schemeFields = {
  algorithm: z.enum(['sha1', 'sha256', 'sha512']).default('sha256'),
  /** How the secret is written: used as is (utf8), or decoded from base64 or hex. */
  keyEncoding: z.enum(['utf8', 'base64', 'hex']).default('utf8'),
  signature: signatureSchema,
  /** `{body}`, `{timestamp}:{body}`, `v1:{timestamp}:{body}`, `{id}.{timestamp}.{body}` or any template of those. */
  signedString: z.string().default('{body}'),
  timestamp: timestampSchema.optional(),
  /** The header whose value fills `{id}`. */
  idHeader: headerName.optional(),
};

/** Adds an issue on `signedString` when the template does not fit the headers configured. */
export function checkTemplate(entry: { signedString: string; timestamp?: unknown; idHeader?: string }, ctx: z.RefinementCtx): void {
  const problem = templateProblem(entry.signedString, { timestamp: entry.timestamp !== undefined, id: entry.idHeader !== undefined });
  if (problem) ctx.addIssue({ code: 'custom', path: ['signedString'], message: problem });
}

export interface HmacSchemeConfig {
  algorithm: HmacAlgorithm;
  keyEncoding: KeyEncoding;
  signature: { header: string; encoding: 'hex' | 'base64'; prefix: string; separator?: string | undefined };
  signedString: string;
  timestamp?: { header: string; unit: 'seconds' | 'milliseconds'; toleranceSeconds: number } | undefined;
  idHeader?: string | undefined;
}

export function schemeOf(config: HmacSchemeConfig): HmacScheme {
  return {
    algorithm: config.algorithm,
    signatureHeader: config.signature.header,
    encoding: config.signature.encoding,
    prefix: config.signature.prefix,
    ...(config.signature.separator ? { separator: config.signature.separator } : {}),
    signedString: config.signedString,
    ...(config.timestamp ? { timestamp: config.timestamp } : {}),
    ...(config.idHeader ? { idHeader: config.idHeader } : {}),
  };
}
