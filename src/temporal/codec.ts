import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { z } from 'zod';
import { ConfigError } from '../../core/env';

/** One AES-256 key and the id written beside every payload it encrypts. */
export interface PayloadKey {
  id: string;
  key: Buffer;
}

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const KEY_ID_METADATA = 'encryption-key-id';
const CIPHER_METADATA = 'encryption-cipher';
const CIPHER = 'AES-256-GCM';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const utf8 = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | null | undefined) => (b ? new TextDecoder().decode(b) : undefined);

/**
 * `PAYLOAD_ENCRYPTION_KEYS`: comma-separated `<id>:<base64 of 32 bytes>`, the first the primary.
 * Rotation: put the new key first and keep the old ones after it for as long as histories written
 * with them are kept (the namespace's retention), then drop them.
 */
export function parsePayloadKeys(value: string): PayloadKey[] {
  const keys = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const match = /^([A-Za-z0-9._-]{1,64}):([A-Za-z0-9+/=]+)$/.exec(entry);
      const key = match ? Buffer.from(match[2]!, 'base64') : undefined;
      if (!match || key?.length !== 32) throw new ConfigError('PAYLOAD_ENCRYPTION_KEYS: expected <id>:<base64 of 32 bytes>[,<id>:<key>…], the first the primary');
      return { id: match[1]!, key };
    });
  if (keys.length === 0) throw new ConfigError('PAYLOAD_ENCRYPTION_KEYS: no key listed');
  const ids = keys.map((k) => k.id);
  const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
  if (repeated) throw new ConfigError(`PAYLOAD_ENCRYPTION_KEYS: key id ${repeated} is listed twice`);
  return keys;
}

export const payloadKeysSchema = z.string().transform((v, ctx) => {
  try {
    return parsePayloadKeys(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message.replace(/^PAYLOAD_ENCRYPTION_KEYS: /, '') });
    return z.NEVER;
  }
});

/** A new key in the variable's format (the dev scripts' local key). */
export function newPayloadKey(id: string): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

/** AES-256-GCM under `key`, a fresh IV each time and the key id as authenticated data: iv | ciphertext | tag. */
export function seal(key: PayloadKey, plain: Uint8Array, prefix?: Uint8Array): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.key, iv).setAAD(utf8(key.id));
  // `prefix` (a marker of the caller's) goes in the same buffer: one copy of a large event, not two.
  return Buffer.concat([...(prefix ? [prefix] : []), iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

/** The plain bytes of what `seal` wrote with the key `id`; throws when that key is not listed or the bytes were altered. */
export function open(keys: ReadonlyMap<string, Buffer>, id: string, data: Uint8Array): Buffer {
  const key = keys.get(id);
  // The id is not secret; naming it tells the operator which key is missing from the list.
  if (!key) throw new Error(`encrypted with key "${id}", which is not in PAYLOAD_ENCRYPTION_KEYS`);
  const sealed = Buffer.from(data);
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new Error('encrypted data is truncated');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES)).setAAD(utf8(id));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
}

/**
 * Encrypts every payload the SDK writes to Temporal (workflow and activity inputs and results, memos,
 * signals, queries, heartbeat details, failure details) with the primary key, AES-256-GCM, a fresh
 * IV each time and the key id as authenticated data; decodes with whichever listed key the payload
 * names. Payloads written without encryption (histories from before, the SDK's own) pass through.
 * Search attributes are not payloads of the codec: they stay readable for visibility queries.
 */
export class EncryptionCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;
  private readonly primary: PayloadKey;

  constructor(keys: readonly PayloadKey[]) {
    if (keys.length === 0) throw new Error('EncryptionCodec needs at least one key');
    this.primary = keys[0]!;
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => ({
      metadata: { encoding: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(this.primary.id), [CIPHER_METADATA]: utf8(CIPHER) },
      data: seal(this.primary, temporal.api.common.v1.Payload.encode(payload).finish()),
    }));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (text(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
      const id = text(payload.metadata?.[KEY_ID_METADATA]) ?? '';
      return temporal.api.common.v1.Payload.decode(open(this.byId, id, payload.data ?? new Uint8Array()));
    });
  }
}

/** The data converter of every client and worker: encrypting when keys are configured, the SDK's default otherwise. */
export function dataConverter(keys: readonly PayloadKey[] | undefined): DataConverter | undefined {
  return keys?.length ? { payloadCodecs: [new EncryptionCodec(keys)] } : undefined;
}
