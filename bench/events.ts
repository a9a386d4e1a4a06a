/** Signed deliveries for the benchmark: unique events, one repeated event, or large bodies. */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signSamsara } from '../sources/samsara/verify';
import type { Sample } from './load';

const ROOT = join(__dirname, '..');
const arrival = JSON.parse(readFileSync(join(ROOT, 'sources', 'samsara', 'fixtures', 'route-stop-arrival.json'), 'utf8'));

export interface EventFactory {
  /** Names of the sources this factory signs for (shown in the results). */
  sources: string[];
  unique(): Sample;
  repeat(): Sample;
  large(bytes: number): Sample;
}

export function samsaraEvents(secretBase64: string): EventFactory {
  const sign = (body: Buffer): Sample => ({
    path: '/webhooks/samsara',
    body,
    headers: signSamsara(body, secretBase64, Math.floor(Date.now() / 1000)),
  });
  const fixed = Buffer.from(JSON.stringify({ ...arrival, eventId: randomUUID() }));
  return {
    sources: ['samsara'],
    unique: () => sign(Buffer.from(JSON.stringify({ ...arrival, eventId: randomUUID() }))),
    repeat: () => sign(fixed),
    large(bytes) {
      const base = { ...arrival, eventId: randomUUID(), data: { ...arrival.data, notes: '' } };
      const pad = bytes - Buffer.byteLength(JSON.stringify(base));
      base.data.notes = 'x'.repeat(Math.max(0, pad));
      return sign(Buffer.from(JSON.stringify(base)));
    },
  };
}
