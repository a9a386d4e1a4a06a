import { WebhookVerificationError } from '../../core/errors';
import { formPairs } from './form';

/**
 * What a sender signs, described as a template over the parts of the request, e.g. `{body}`,
 * `v0:{timestamp}:{body}`, `{id}.{timestamp}.{body}`, `{method}\n{path}\n{header:date}\n{body}` or
 * Twilio's `{url}{form}`. One reader for every scheme (HMAC and asymmetric), and one filler for the
 * receiver and the sender: the bytes can never differ between the two halves.
 */
export const PLACEHOLDERS = ['body', 'form', 'timestamp', 'id', 'method', 'url', 'path', 'query'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

type Segment = { readonly text: string } | { readonly field: Placeholder } | { readonly header: string };

/** How a form body is signed (`{form}`): its decoded name/value pairs, in this order, joined thus. Twilio: sorted, "", "". */
export interface FormSigning {
  readonly order: 'sorted' | 'as-sent';
  /** Between a name and its value. */
  readonly pairSeparator: string;
  /** Between pairs. */
  readonly separator: string;
}

/** Twilio's rule, the one vendors signing form pairs use. */
const DEFAULT_FORM: FormSigning = { order: 'sorted', pairSeparator: '', separator: '' };

/** The values a template is filled with: read from a delivery by the receiver, from a message by the sender. */
export interface SignedInput {
  readonly body: Buffer;
  readonly method: string;
  /** The URL the sender called, with its raw query. */
  readonly url: string;
  readonly path: string;
  /** The raw query, without `?`. */
  readonly query: string;
  readonly timestamp?: string | undefined;
  readonly id?: string | undefined;
  header(name: string): string | undefined;
}

const TOKEN = /\{([a-z]+)(?::([A-Za-z0-9-]+))?\}/g;

export function parseTemplate(template: string): Segment[] {
  const segments: Segment[] = [];
  let last = 0;
  for (const match of template.matchAll(TOKEN)) {
    if (match.index > last) segments.push({ text: template.slice(last, match.index) });
    const [, name, arg] = match;
    if (name === 'header' && arg) segments.push({ header: arg.toLowerCase() });
    else segments.push({ field: name as Placeholder });
    last = match.index + match[0].length;
  }
  if (last < template.length) segments.push({ text: template.slice(last) });
  return segments;
}

/** The header names a template signs with `{header:<name>}`. */
export function templateHeaders(template: string): string[] {
  return parseTemplate(template).flatMap((s) => ('header' in s ? [s.header] : []));
}

/** Whether the template uses this placeholder. */
export function uses(template: string, field: Placeholder): boolean {
  return parseTemplate(template).some((s) => 'field' in s && s.field === field);
}

/** A problem with a template's placeholders themselves (not with what the scheme configures), or undefined. */
export function placeholderProblem(template: string): string | undefined {
  const stripped = template.replace(TOKEN, (whole, name: string, arg?: string) => ((PLACEHOLDERS as readonly string[]).includes(name) && !arg) || (name === 'header' && arg) ? '' : whole);
  const unknown = stripped.match(/\{[^}]*\}/);
  if (unknown) return `unknown placeholder ${unknown[0]} (use ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}, {header:<name>})`;
  const covers = parseTemplate(template).filter((s) => 'field' in s && (s.field === 'body' || s.field === 'form')).length;
  if (covers !== 1) return 'must contain {body} or {form} exactly once: a signature that does not cover the body protects nothing';
  return undefined;
}

function formString(body: Buffer, form: FormSigning): string {
  const pairs = formPairs(body);
  // Sorted by name in code-unit order, as Twilio's libraries do; equal names keep their order (a stable sort).
  if (form.order === 'sorted') pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return pairs.map(([name, value]) => `${name}${form.pairSeparator}${value}`).join(form.separator);
}

/** The bytes to sign, in order: the template's text and fields, with the exact raw body where `{body}` is. */
export function signedBytes(template: string, input: SignedInput, form: FormSigning | undefined): (string | Buffer)[] {
  return parseTemplate(template).map((s) => {
    if ('text' in s) return s.text;
    if ('header' in s) {
      const value = input.header(s.header);
      if (value === undefined) throw new WebhookVerificationError('missing_signed_header');
      return value;
    }
    switch (s.field) {
      case 'body':
        return input.body;
      case 'form':
        return formString(input.body, form ?? DEFAULT_FORM);
      default:
        return input[s.field] ?? '';
    }
  });
}

/** Splits a request target into its path and raw query. */
export function splitTarget(target: string): { path: string; query: string } {
  const at = target.indexOf('?');
  return at < 0 ? { path: target, query: '' } : { path: target.slice(0, at), query: target.slice(at + 1) };
}

/**
 * The URL a sender signed: the configured public URL (what the vendor was told to call, whatever
 * proxies stand between) with the query as received, or with `"request"`, the origin and path the
 * receiver saw (forwarded values only from proxies TRUST_PROXY trusts).
 */
export function signedUrl(publicUrl: string | undefined, origin: string, target: string): string {
  const { path, query } = splitTarget(target);
  const base = publicUrl === undefined || publicUrl === 'request' ? `${origin}${path}` : publicUrl;
  return query ? `${base}?${query}` : base;
}
