import { randomBytes } from 'node:crypto';
import type { TokenLocation } from '../engine/credentials';
import type { OutgoingDelivery, Tampering } from '../types';
import { dropHeader, flipFirstChar, replaceDelivery, setHeader } from './tamper';

/** The sender's half of sources/engine/credentials.ts: presenting a static token, and spoiling it. */
export function presentToken(message: OutgoingDelivery, location: TokenLocation, token: string): OutgoingDelivery {
  if ('query' in location) return { ...message, query: { ...message.query, [location.query]: token } };
  return { ...message, headers: { ...message.headers, [location.header]: location.scheme ? `${location.scheme} ${token}` : token } };
}

/** A token of the kind a vendor's dashboard shows. */
export function randomToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Every way to spoil a presented token, with the reason the verifier gives. */
export function tokenTamperings(location: TokenLocation): Tampering[] {
  if ('query' in location) {
    const param = location.query;
    return [
      replaceDelivery('query token altered', 'token_mismatch', (d) => ({ ...d, query: { ...d.query, [param]: flipFirstChar(d.query[param] ?? '', 'base64url') } })),
      replaceDelivery('query token removed', 'missing_token', (d) => {
        const { [param]: _removed, ...query } = d.query;
        return { ...d, query };
      }),
    ];
  }
  const { header, scheme } = location;
  const list = [dropHeader(header, 'missing_token')];
  if (!scheme) return [...list, setHeader(header, (v) => flipFirstChar(v, 'base64url'), 'token altered', 'token_mismatch')];
  const token = (v: string) => v.slice(scheme.length + 1);
  return [
    ...list,
    setHeader(header, (v) => `${scheme} ${flipFirstChar(token(v), 'base64url')}`, 'token altered', 'token_mismatch'),
    setHeader(header, (v) => `${scheme === 'Basic' ? 'Bearer' : 'Basic'} ${token(v)}`, `not a ${scheme} credential`, 'malformed_token'),
  ];
}

/** The base64 a Basic `Authorization` header carries for a `user:password` credential. */
export function basicCredential(credential: string): string {
  return Buffer.from(credential, 'utf8').toString('base64');
}
