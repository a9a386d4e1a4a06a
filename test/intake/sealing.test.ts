import { newPayloadKey, parsePayloadKeys } from '../../src/temporal/codec';
import { sealer } from '../../src/intake/sealing';

const [k1] = parsePayloadKeys(newPayloadKey('k1'));
const [k2] = parsePayloadKeys(newPayloadKey('k2'));
const plain = Buffer.from('{"driver":{"name":"Maria Ortega"}}');

describe('sealing what the intake keeps in Redis', () => {
  it('encrypts with the primary key, names it, and opens back; a fresh IV each time', () => {
    const s = sealer([k1!]);
    const sealed = s.seal(plain);
    expect(sealed.toString('latin1')).toMatch(/^wsenc1:k1:/);
    expect(sealed.toString('latin1')).not.toContain('Maria');
    expect(s.open(sealed).equals(plain)).toBe(true);
    expect(s.seal(plain).equals(sealed)).toBe(false);
  });

  it('rotation: what the old key sealed still opens after a new primary, and is refused by name once the key is dropped', () => {
    const old = sealer([k1!]).seal(plain);
    expect(sealer([k2!, k1!]).open(old).equals(plain)).toBe(true);
    expect(sealer([k2!, k1!]).seal(plain).toString('latin1')).toMatch(/^wsenc1:k2:/);
    expect(() => sealer([k2!]).open(old)).toThrow(/key "k1", which is not in PAYLOAD_ENCRYPTION_KEYS/);
    expect(() => sealer(undefined).open(old)).toThrow(/key "k1"/);
  });

  it('refuses altered bytes, and one key id put in place of another', () => {
    const s = sealer([k1!, k2!]);
    const sealed = s.seal(plain);
    const flipped = Buffer.from(sealed);
    flipped[flipped.length - 20]! ^= 1;
    expect(() => s.open(flipped)).toThrow();
    const relabelled = Buffer.concat([Buffer.from('wsenc1:k2:'), sealed.subarray('wsenc1:k1:'.length)]);
    expect(() => s.open(relabelled)).toThrow();
    expect(() => s.open(Buffer.from('wsenc1:k1:short'))).toThrow(/truncated/);
  });

  it('without keys keeps the bytes as they are, and opens what was written before keys were configured', () => {
    expect(sealer(undefined).seal(plain)).toBe(plain);
    expect(sealer(undefined).encrypts).toBe(false);
    expect(sealer([k1!]).open(plain).equals(plain)).toBe(true);
  });
});
