import { randomBytes } from 'node:crypto';
import { hmac } from '../../core/crypto';
import { decodeKey, deliveryInput, headerParts, type HmacScheme, type KeyEncoding, type SignatureScheme } from '../engine/hmac';
import { signedBytes, templateHeaders, uses } from '../engine/signed-string';
import type { OutgoingDelivery, ReplayWindow, SenderKit, SignOptions, SourceConfig, Tampering } from '../types';
import { asDelivery, DEFAULT_URL } from './request';
import { dropHeader, editBody, flipFirstChar, replaceDelivery, setHeader } from './tamper';

/**
 * The sender's half of the signature engine (sources/engine/hmac.ts): signing, the tamperings the
 * contract suite tries, and the SenderKit parts an HMAC-style source shares. Never used by the receiver.
 */

/**
 * The headers a sender following the scheme adds, with `compute` making each signature from the
 * signed bytes. `id` comes from the message's own id header; `url` is where it is sent (for `{url}`
 * with `publicUrl: "request"`).
 */
export function signWith(message: OutgoingDelivery, scheme: SignatureScheme, now: Date, url: string | undefined, compute: (data: (string | Buffer)[]) => Buffer): OutgoingDelivery {
  const headers: Record<string, string> = { ...message.headers };
  let timestamp: string | undefined;
  if (scheme.timestamp) {
    const ms = now.getTime();
    timestamp = String(scheme.timestamp.unit === 'seconds' ? Math.floor(ms / 1000) : ms);
    if (scheme.timestamp.header) headers[scheme.timestamp.header] = timestamp;
  }
  const id = scheme.idHeader ? message.headers[scheme.idHeader] : undefined;
  if (scheme.idHeader && !id) throw new Error(`cannot sign: the message has no ${scheme.idHeader} header`);
  const delivery = asDelivery({ ...message, headers }, now, url ?? DEFAULT_URL);
  const signature = compute(signedBytes(scheme.signedString, deliveryInput(delivery, scheme, { timestamp, id }), scheme.form)).toString(scheme.encoding);
  if (scheme.part) {
    const parts = [...(scheme.timestamp?.part ? [`${scheme.timestamp.part}=${timestamp}`] : []), `${scheme.part}=${signature}`];
    headers[scheme.signatureHeader] = parts.join(scheme.separator ?? ',');
  } else {
    headers[scheme.signatureHeader] = scheme.prefix + signature;
  }
  return { ...message, headers };
}

export function signHmac(message: OutgoingDelivery, scheme: HmacScheme, key: Buffer, now: Date, url?: string): OutgoingDelivery {
  return signWith(message, scheme, now, url, (data) => hmac(scheme.algorithm, key, ...data));
}

/** A header value with every part of this name changed (for schemes whose header holds `name=value` parts). */
function changeParts(value: string, scheme: SignatureScheme, name: string, change: (v: string) => string | undefined): string {
  const kept = headerParts(value, scheme.separator).flatMap(([n, v]) => {
    if (n !== name) return [`${n}=${v}`];
    const changed = change(v);
    return changed === undefined ? [] : [`${n}=${changed}`];
  });
  return kept.join(scheme.separator ?? ',');
}

/**
 * Every way to spoil a delivery signed with the scheme, with the reason readSigned gives.
 * `truncatedReason`: what a signature two bytes short is refused with (malformed for fixed-length
 * signatures; an ECDSA DER signature has no fixed length, so it is merely wrong).
 */
export function signatureTamperings(scheme: SignatureScheme, truncatedReason = 'malformed_signature'): Tampering[] {
  const sig = scheme.signatureHeader;
  const signatures = (change: (v: string) => string) => (v: string) => (scheme.part ? changeParts(v, scheme, scheme.part, change) : scheme.prefix + change(v.slice(scheme.prefix.length)));
  const list: Tampering[] = [
    editBody(),
    setHeader(sig, signatures((v) => flipFirstChar(v, scheme.encoding)), 'signature altered', 'signature_mismatch'),
    setHeader(sig, signatures((v) => v.slice(0, -4)), 'signature truncated', truncatedReason),
    setHeader(sig, () => '', 'signature empty', 'missing_signature'),
    dropHeader(sig, 'missing_signature'),
  ];
  if (scheme.part) list.push(setHeader(sig, (v) => v.replaceAll(`${scheme.part}=`, `${scheme.part}x=`), 'signature part renamed', 'malformed_signature'));
  else if (scheme.prefix) list.push(setHeader(sig, (v) => v.slice(scheme.prefix.length), 'signature prefix removed', 'malformed_signature'));
  const ts = scheme.timestamp;
  if (ts?.header) {
    list.push(
      setHeader(ts.header, (v) => String(Number(v) + 1), 'timestamp changed after signing', 'signature_mismatch'),
      setHeader(ts.header, () => 'yesterday', 'timestamp not a number', 'malformed_timestamp'),
      dropHeader(ts.header, 'missing_timestamp'),
    );
  } else if (ts?.part) {
    const part = ts.part;
    list.push(
      setHeader(sig, (v) => changeParts(v, scheme, part, (t) => String(Number(t) + 1)), 'timestamp changed after signing', 'signature_mismatch'),
      setHeader(sig, (v) => changeParts(v, scheme, part, () => 'yesterday'), 'timestamp not a number', 'malformed_timestamp'),
      setHeader(sig, (v) => changeParts(v, scheme, part, () => undefined), 'timestamp part removed', 'missing_timestamp'),
    );
  }
  if (scheme.idHeader) {
    list.push(setHeader(scheme.idHeader, (v) => `${v}x`, 'id changed after signing', 'signature_mismatch'), dropHeader(scheme.idHeader, 'missing_id'));
  }
  for (const header of templateHeaders(scheme.signedString)) {
    list.push(setHeader(header, (v) => `${v}x`, `${header} changed after signing`, 'signature_mismatch'), dropHeader(header, 'missing_signed_header'));
  }
  if (uses(scheme.signedString, 'url') || uses(scheme.signedString, 'query')) {
    list.push(replaceDelivery('query parameter added after signing', 'signature_mismatch', (d) => ({ ...d, query: { ...d.query, tampered: '1' } })));
  }
  return list;
}

export function hmacTamperings(scheme: HmacScheme): Tampering[] {
  return signatureTamperings(scheme);
}

export function hmacReplayWindow(scheme: SignatureScheme): ReplayWindow | undefined {
  if (!scheme.timestamp) return undefined;
  const t = scheme.timestamp.toleranceSeconds;
  return { staleAfterSeconds: t, futureAfterSeconds: t, staleReason: 'timestamp_too_old', futureReason: 'timestamp_too_new' };
}

/** A random secret in the given encoding (as a vendor's dashboard would show it). */
export function randomSecret(encoding: KeyEncoding): string {
  const bytes = randomBytes(32);
  return encoding === 'utf8' ? bytes.toString('hex') : bytes.toString(encoding);
}

/**
 * The signing half of a SenderKit for an HMAC-style source: sign, wrongKey, tamperings and
 * replayWindow. The source still gives its fixtures, examples and how to give an event a new key.
 * `schemeOf` and `keyEncodingOf` read the source's config; `decodeSecret` turns a secret into key bytes.
 */
export function hmacSenderParts<C extends SourceConfig & { readonly secrets: readonly string[] }>(
  schemeOf: (config: C) => HmacScheme,
  keyEncodingOf: (config: C) => KeyEncoding,
  decodeSecret: (secret: string, encoding: KeyEncoding) => Buffer = decodeKey,
): Pick<SenderKit<C>, 'sign' | 'wrongKey' | 'tamperings' | 'replayWindow'> {
  return {
    sign(message: OutgoingDelivery, config: C, options: SignOptions) {
      const secret = options.key ?? config.secrets[0];
      if (!secret) throw new Error(`${config.name} has no secret configured: pass one to sign with`);
      return signHmac(message, schemeOf(config), decodeSecret(secret, keyEncodingOf(config)), options.now, options.url);
    },
    wrongKey: (config) => ({ key: randomSecret(keyEncodingOf(config)), reason: 'signature_mismatch' }),
    tamperings: (config) => hmacTamperings(schemeOf(config)),
    replayWindow: (config) => hmacReplayWindow(schemeOf(config)),
  };
}
