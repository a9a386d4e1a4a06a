import { open, seal, type PayloadKey } from '../temporal/codec';

/** Marks bytes this module sealed: `wsenc1:<key id>:` then iv | ciphertext | tag. */
const MAGIC = 'wsenc1:';

/**
 * Vendor data the intake keeps in Redis (large events, queued starts' events, dead letters) is
 * encrypted with the keys of Temporal's payload codec (`PAYLOAD_ENCRYPTION_KEYS`), so it is no
 * more readable in Redis or its backups than in Temporal's history. Without keys it is kept as it is.
 */
export interface Sealer {
  readonly encrypts: boolean;
  seal(plain: Buffer): Buffer;
  /** The plain bytes; bytes written before keys were configured come back as they are. */
  open(stored: Buffer): Buffer;
}

export function sealer(keys: readonly PayloadKey[] | undefined): Sealer {
  const primary = keys?.[0];
  const byId = new Map((keys ?? []).map((k) => [k.id, k.key]));
  return {
    encrypts: primary !== undefined,
    seal(plain) {
      if (!primary) return plain;
      return seal(primary, plain, Buffer.from(`${MAGIC}${primary.id}:`));
    },
    open(stored) {
      if (stored.subarray(0, MAGIC.length).toString('latin1') !== MAGIC) return stored;
      const colon = stored.indexOf(':', MAGIC.length);
      if (colon < 0) throw new Error('encrypted data has no key id');
      return open(byId, stored.subarray(MAGIC.length, colon).toString('latin1'), stored.subarray(colon + 1));
    },
  };
}
