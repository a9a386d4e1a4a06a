import { defaultPayloadConverter } from '@temporalio/common';
import { ConfigError } from '../../core/env';
import { ENCRYPTED_ENCODING, EncryptionCodec, newPayloadKey, parsePayloadKeys } from '../../src/temporal/codec';

const text = (b: Uint8Array | null | undefined) => new TextDecoder().decode(b ?? new Uint8Array());
const event = { driver: { name: 'Maria Ortega' }, stop: 'Aurora Cold Storage, Dock 3' };
const plain = () => defaultPayloadConverter.toPayload(event);

describe('the payload codec (AES-256-GCM)', () => {
  const [k1] = parsePayloadKeys(newPayloadKey('k1'));
  const [k2] = parsePayloadKeys(newPayloadKey('k2'));

  it('encrypts with the primary key, names it in the metadata, and decodes back', async () => {
    const codec = new EncryptionCodec([k1!]);
    const [sealed] = await codec.encode([plain()]);
    expect(text(sealed!.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(sealed!.metadata!['encryption-key-id'])).toBe('k1');
    expect(Buffer.from(sealed!.data!).toString('latin1')).not.toContain('Maria');
    const [opened] = await codec.decode([sealed!]);
    expect(defaultPayloadConverter.fromPayload(opened!)).toEqual(event);
  });

  it('uses a fresh IV each time: the same value never gives the same ciphertext', async () => {
    const codec = new EncryptionCodec([k1!]);
    const [a, b] = await codec.encode([plain(), plain()]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('rotation: after a new primary, payloads of the old key still decode; new ones use the new key', async () => {
    const [old] = await new EncryptionCodec([k1!]).encode([plain()]);
    const rotated = new EncryptionCodec([k2!, k1!]);
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([old!]))[0]!)).toEqual(event);
    const [fresh] = await rotated.encode([plain()]);
    expect(text(fresh!.metadata!['encryption-key-id'])).toBe('k2');
    // Once the old key is dropped from the list, its payloads are refused by name.
    await expect(new EncryptionCodec([k2!]).decode([old!])).rejects.toThrow(/key "k1", which is not in PAYLOAD_ENCRYPTION_KEYS/);
  });

  it('refuses a tampered payload or one relabelled with another key id', async () => {
    const codec = new EncryptionCodec([k1!, k2!]);
    const [sealed] = await codec.encode([plain()]);
    const flipped = Buffer.from(sealed!.data!);
    flipped[20] = flipped[20]! ^ 1;
    await expect(codec.decode([{ ...sealed!, data: flipped }])).rejects.toThrow();
    const relabelled = { ...sealed!, metadata: { ...sealed!.metadata, 'encryption-key-id': new TextEncoder().encode('k2') } };
    await expect(codec.decode([relabelled])).rejects.toThrow();
  });

  it('passes payloads written without encryption through (histories from before)', async () => {
    const codec = new EncryptionCodec([k1!]);
    expect(defaultPayloadConverter.fromPayload((await codec.decode([plain()]))[0]!)).toEqual(event);
  });

  it('refuses a malformed key list', () => {
    expect(() => parsePayloadKeys('k1:' + Buffer.alloc(16).toString('base64'))).toThrow(ConfigError);
    expect(() => parsePayloadKeys('no-key-here')).toThrow(/expected <id>:<base64 of 32 bytes>/);
    const key = newPayloadKey('same');
    expect(() => parsePayloadKeys(`${key},${key}`)).toThrow(/listed twice/);
  });
});
