import type { OutgoingDelivery, Tampering } from '../types';

/**
 * Building blocks for a source's tamperings: the contract suite applies each to a correctly signed
 * delivery and expects the adapter to refuse it with the stated reason.
 */

/** Changes one letter in the middle of the body (still valid JSON), as an attacker editing a field would. */
export function editBody(reason = 'signature_mismatch'): Tampering {
  return {
    name: 'body edited after signing',
    reason,
    apply: (d) => ({ ...d, body: changeOneLetter(d.body) }),
  };
}

function changeOneLetter(body: Buffer): Buffer {
  const copy = Buffer.from(body);
  for (let i = Math.floor(copy.length / 2); i < copy.length; i++) {
    const c = copy[i]!;
    if (c >= 0x61 && c <= 0x7a) {
      copy[i] = c === 0x7a ? 0x61 : c + 1;
      return copy;
    }
  }
  return Buffer.concat([copy, Buffer.from(' ')]);
}

export function setHeader(name: string, change: (value: string) => string, label: string, reason: string): Tampering {
  return {
    name: label,
    reason,
    apply: (d) => ({ ...d, headers: { ...d.headers, [name]: change(d.headers[name] ?? '') } }),
  };
}

export function dropHeader(name: string, reason: string): Tampering {
  return {
    name: `${name} header removed`,
    reason,
    apply: (d) => {
      const { [name]: _removed, ...headers } = d.headers;
      return { ...d, headers };
    },
  };
}

export function replaceDelivery(label: string, reason: string, make: (d: OutgoingDelivery) => OutgoingDelivery): Tampering {
  return { name: label, reason, apply: make };
}

const HEX = '0123456789abcdef';
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const ALPHABETS = { hex: HEX, base64: BASE64, base64url: `${BASE64.slice(0, 62)}-_` };

/**
 * Changes the first character of an encoded signature to another of the same alphabet, so it still
 * decodes. The first, not the last: base64's last character carries unused bits, and changing only
 * those would decode to the same bytes.
 */
export function flipFirstChar(encoded: string, encoding: keyof typeof ALPHABETS): string {
  const alphabet = ALPHABETS[encoding];
  const first = encoded[0] ?? '0';
  const index = alphabet.indexOf(encoding === 'hex' ? first.toLowerCase() : first);
  return alphabet[(index + 1) % alphabet.length] + encoded.slice(1);
}
