import { z } from 'zod';
import { ASYMMETRIC_ALGORITHMS } from '../engine/asymmetric';
import { contentTypesSchema, filteredRoutesSchema, secretFields } from '../engine/declared';
import { filterSchema, type Filter } from '../engine/filter';
import { DEFAULT_TOLERANCE_SECONDS, signedHeaders, templateProblem, type SignatureScheme } from '../engine/hmac';
import { selectorSchema, unsignedSelectorProblem, type Selector } from '../engine/selector';

/**
 * The generic config-only kind, field by field: how the sender authenticates (`scheme`), where its
 * signature and timestamp are, what it signs, how its body is encoded, where the event's key and
 * type are, which requests are handshakes, and the routes. Presets (presets.json) are entries of
 * this schema with the vendor's choices filled in.
 */
const headerName = z
  .string()
  .regex(/^[A-Za-z0-9-]+$/, 'a header name such as x-acme-signature')
  .transform((h) => h.toLowerCase());

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

export const SCHEMES = ['hmac', ...ASYMMETRIC_ALGORITHMS, 'token', 'basic'] as const;
export type GenericSchemeName = (typeof SCHEMES)[number];

const signatureSchema = z.strictObject({
  header: headerName,
  encoding: z.enum(['hex', 'base64', 'base64url']).default('hex'),
  /** e.g. "sha256=" (GitHub), "v0=" (Slack), "v1," (Standard Webhooks). */
  prefix: z.string().default(''),
  /** Several signatures in one header, e.g. " " or ","; for `part`, what separates the parts (default ","). */
  separator: z.string().min(1).optional(),
  /** The header holds `name=value` parts; the signatures are the parts of this name (Stripe: "v1"). */
  part: z.string().regex(/^[A-Za-z0-9_-]+$/).optional(),
});

const timestampSchema = z.strictObject({
  /** Its own header, */
  header: headerName.optional(),
  /** or a part of the signature header (Stripe: "t"). */
  part: z.string().regex(/^[A-Za-z0-9_-]+$/).optional(),
  unit: z.enum(['seconds', 'milliseconds']).default('seconds'),
  toleranceSeconds: z.int().min(1).max(86_400).default(DEFAULT_TOLERANCE_SECONDS),
});

const tokenSchema = z.union([
  /** `scheme`: the header reads `<scheme> <token>`, e.g. "Bearer". */
  z.strictObject({ header: headerName, scheme: z.string().regex(/^[A-Za-z0-9-]+$/).optional() }),
  z.strictObject({ query: z.string().regex(/^[A-Za-z0-9_.-]+$/) }),
]);

/** A field of a handshake's JSON answer: a selector, a constant, or an HMAC of a selected value keyed with the first secret. */
const answerValueSchema = z.union([
  selectorSchema,
  z.strictObject({ value: z.json() }),
  z.strictObject({ hmac: selectorSchema, encoding: z.enum(['hex', 'base64', 'base64url']).default('hex') }),
]);

const handshakeSchema = z.strictObject({
  /** When the (verified) request is this handshake. */
  when: filterSchema,
  status: z.int().min(200).max(299).default(200),
  /** Answer with this value as text/plain (Slack's challenge), */
  text: selectorSchema.optional(),
  /** or with this JSON object. */
  json: z.record(z.string(), answerValueSchema).optional(),
});

export const entrySchema = z
  .strictObject({
    kind: z.literal('generic'),
    ...secretFields,
    /** Public keys for ed25519 / rsa-sha256 / ecdsa-p256 (several during a rotation), or the variable holding them. */
    publicKeys: z.array(z.string().min(1)).min(1).optional(),
    publicKeysEnv: z.string().regex(ENV_NAME, 'an environment variable name such as ACME_WEBHOOK_PUBLIC_KEYS').optional(),
    scheme: z.enum(SCHEMES).default('hmac'),
    algorithm: z.enum(['sha1', 'sha256', 'sha512']).default('sha256'),
    keyEncoding: z.enum(['utf8', 'base64', 'hex']).default('utf8'),
    /** Text before the encoded key in the secret as the vendor shows it, removed before decoding (Standard Webhooks: "whsec_"). */
    secretPrefix: z.string().min(1).optional(),
    ecdsaFormat: z.enum(['der', 'ieee-p1363']).default('der'),
    signature: signatureSchema.optional(),
    signedString: z.string().default('{body}'),
    timestamp: timestampSchema.optional(),
    idHeader: headerName.optional(),
    /** What `{url}` is: the URL the vendor was told to call, or "request" (as the receiver saw it, TRUST_PROXY deciding whom to believe). */
    publicUrl: z.union([z.literal('request'), z.url({ protocol: /^https?$/ })]).optional(),
    /** How `{form}` orders and joins the form body's pairs. */
    form: z.strictObject({ order: z.enum(['sorted', 'as-sent']).default('sorted'), pairSeparator: z.string().default(''), separator: z.string().default('') }).optional(),
    token: tokenSchema.optional(),
    body: z.enum(['json', 'form']).default('json'),
    /** Where the event's own id is (stable across retries); several selectors are read together. */
    eventKey: z.union([selectorSchema, z.array(selectorSchema).min(1).max(4)]),
    /** Where its type is, or `{ "value": "…" }` for an endpoint that receives one type. */
    eventType: z.union([selectorSchema, z.strictObject({ value: z.string().min(1) })]),
    handshakes: z.array(handshakeSchema).default([]),
    routes: filteredRoutesSchema,
    contentTypes: contentTypesSchema.optional(),
  })
  .superRefine((entry, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const signs = entry.scheme !== 'token' && entry.scheme !== 'basic';
    if (signs && !entry.signature) issue(['signature'], `required for scheme ${entry.scheme}`);
    if (!signs && entry.signature) issue(['signature'], `scheme ${entry.scheme} checks no signature`);
    if (entry.scheme === 'token' && !entry.token) issue(['token'], 'required for scheme token: { "header": …, "scheme"?: "Bearer" } or { "query": … }');
    if (entry.scheme !== 'token' && entry.token) issue(['token'], 'only for scheme token');
    const asymmetric = (ASYMMETRIC_ALGORITHMS as readonly string[]).includes(entry.scheme);
    if (asymmetric && !entry.publicKeys && !entry.publicKeysEnv) issue(['publicKeysEnv'], `required for scheme ${entry.scheme} (or inline publicKeys)`);
    if (!asymmetric && (entry.publicKeys || entry.publicKeysEnv)) issue(['publicKeys'], `scheme ${entry.scheme} uses secrets, not public keys`);
    if (asymmetric && (entry.secrets || entry.secretsEnv)) issue(['secrets'], `scheme ${entry.scheme} verifies with public keys: give publicKeys or publicKeysEnv`);
    if (entry.signature?.part && entry.signature.prefix) issue(['signature', 'prefix'], 'not with part: the part name is the version');
    const ts = entry.timestamp;
    if (ts && (ts.header === undefined) === (ts.part === undefined)) issue(['timestamp'], 'give either header or part');
    if (ts?.part && !entry.signature?.part) issue(['timestamp', 'part'], 'a timestamp part needs a signature header of parts (signature.part)');
    if (!signs && (ts || entry.idHeader || entry.publicUrl)) issue(['timestamp'], `scheme ${entry.scheme} signs nothing: timestamp, idHeader and publicUrl do not apply`);
    if (signs) {
      const problem = templateProblem(entry.signedString, { timestamp: ts !== undefined, id: entry.idHeader !== undefined, url: entry.publicUrl !== undefined, form: entry.body === 'form' });
      if (problem) issue(['signedString'], problem);
    }
    // The key, the type and every filter decide whether a saga starts and which: signed inputs only.
    // A token or Basic auth signs nothing, but then no part of the request is more trusted than another.
    if (!signs) return;
    const signed = signedHeaders(schemeOf(entry));
    const check = (selector: Selector, path: (string | number)[]) => {
      const problem = unsignedSelectorProblem(selector, signed);
      if (problem) issue(path, problem);
    };
    (Array.isArray(entry.eventKey) ? entry.eventKey : [entry.eventKey]).forEach((s, i) => check(s, Array.isArray(entry.eventKey) ? ['eventKey', i] : ['eventKey']));
    if ('from' in entry.eventType) check(entry.eventType, ['eventType']);
    const filters = (filter: Filter, path: (string | number)[]) => filter.conditions.forEach((c) => check(c.selector, [...path, `${c.selector.from}:${c.selector.path}`]));
    entry.handshakes.forEach((h, i) => filters(h.when, ['handshakes', i, 'when']));
    for (const route of [...entry.routes.filters.values()].flat()) filters(route.filter, ['routes', ...route.path]);
  })
  .superRefine((entry, ctx) => {
    entry.handshakes.forEach((h, i) => {
      if ((h.text === undefined) === (h.json === undefined)) ctx.addIssue({ code: 'custom', path: ['handshakes', i], message: 'give either text or json' });
    });
  });

export type GenericEntry = z.infer<typeof entrySchema>;

/** The signature scheme an entry describes (for hmac and the asymmetric schemes). */
export function schemeOf(entry: Pick<GenericEntry, 'signature' | 'signedString' | 'timestamp' | 'idHeader' | 'publicUrl' | 'form'>): SignatureScheme {
  const signature = entry.signature ?? { header: '', encoding: 'hex', prefix: '' };
  return {
    signatureHeader: signature.header,
    encoding: signature.encoding,
    prefix: signature.prefix,
    separator: signature.separator,
    part: signature.part,
    signedString: entry.signedString,
    timestamp: entry.timestamp,
    idHeader: entry.idHeader,
    publicUrl: entry.publicUrl,
    form: entry.form,
  };
}
