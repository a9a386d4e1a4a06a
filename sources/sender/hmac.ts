import { randomBytes } from 'node:crypto';
import { hmac } from '../../core/crypto';
import { decodeKey, signedParts, type HmacScheme, type KeyEncoding } from '../engine/hmac';
import type { OutgoingDelivery, ReplayWindow, SenderKit, SignOptions, SourceConfig, Tampering } from '../types';
import { dropHeader, editBody, flipFirstChar, setHeader } from './tamper';

/**
 * The sender's half of the HMAC engine (sources/engine/hmac.ts): signing, the tamperings the contract
 * suite tries, and the SenderKit parts an HMAC-style source shares. Never used by the receiver.
 */

/** The headers a sender following the scheme adds. `id` comes from the message's own id header. */
export function signHmac(message: OutgoingDelivery, scheme: HmacScheme, key: Buffer, now: Date): OutgoingDelivery {
  const headers: Record<string, string> = { ...message.headers };
  let timestamp: string | undefined;
  if (scheme.timestamp) {
    const ms = now.getTime();
    timestamp = String(scheme.timestamp.unit === 'seconds' ? Math.floor(ms / 1000) : ms);
    headers[scheme.timestamp.header] = timestamp;
  }
  const id = scheme.idHeader ? message.headers[scheme.idHeader] : undefined;
  if (scheme.idHeader && !id) throw new Error(`cannot sign: the message has no ${scheme.idHeader} header`);
  const mac = hmac(scheme.algorithm, key, ...signedParts(scheme, message.body, { timestamp, id }));
  headers[scheme.signatureHeader] = scheme.prefix + mac.toString(scheme.encoding);
  return { ...message, headers };
}

/** Every way to spoil a delivery signed with the scheme, with the reason verifyHmac gives. */
export function hmacTamperings(scheme: HmacScheme): Tampering[] {
  const sig = scheme.signatureHeader;
  const withoutPrefix = (v: string) => v.slice(scheme.prefix.length);
  const list: Tampering[] = [
    editBody(),
    setHeader(sig, (v) => scheme.prefix + flipFirstChar(withoutPrefix(v), scheme.encoding), 'signature altered', 'signature_mismatch'),
    setHeader(sig, (v) => v.slice(0, -4), 'signature truncated', 'malformed_signature'),
    setHeader(sig, () => '', 'signature empty', 'missing_signature'),
    dropHeader(sig, 'missing_signature'),
  ];
  if (scheme.prefix) list.push(setHeader(sig, withoutPrefix, 'signature prefix removed', 'malformed_signature'));
  if (scheme.timestamp) {
    const ts = scheme.timestamp.header;
    list.push(
      setHeader(ts, (v) => String(Number(v) + 1), 'timestamp changed after signing', 'signature_mismatch'),
      setHeader(ts, () => 'yesterday', 'timestamp not a number', 'malformed_timestamp'),
      dropHeader(ts, 'missing_timestamp'),
    );
  }
  if (scheme.idHeader) {
    list.push(setHeader(scheme.idHeader, (v) => `${v}x`, 'id changed after signing', 'signature_mismatch'), dropHeader(scheme.idHeader, 'missing_id'));
  }
  return list;
}

export function hmacReplayWindow(scheme: HmacScheme): ReplayWindow | undefined {
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
      return signHmac(message, schemeOf(config), decodeSecret(secret, keyEncodingOf(config)), options.now);
    },
    wrongKey: (config) => ({ key: randomSecret(keyEncodingOf(config)), reason: 'signature_mismatch' }),
    tamperings: (config) => hmacTamperings(schemeOf(config)),
    replayWindow: (config) => hmacReplayWindow(schemeOf(config)),
  };
}
