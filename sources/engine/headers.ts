import { WebhookVerificationError } from '../../core/errors';
import type { Delivery } from '../types';

/**
 * One header's value. A header sent twice (the receiver keeps every copy: src/http/webhooks.ts) is
 * refused rather than guessed at: picking one would let a second copy ride along unverified.
 */
export function singleHeader(delivery: Delivery, name: string): string | undefined {
  const value = delivery.headers[name.toLowerCase()];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw new WebhookVerificationError('duplicate_header');
  return value;
}

export type TimestampUnit = 'seconds' | 'milliseconds';

/**
 * Refuses a signed timestamp outside the replay window. "Too old" and "too new" are separate
 * reasons: the second usually means a clock problem on one side, not a replay.
 */
export function checkTimestamp(value: string, unit: TimestampUnit, toleranceSeconds: number, now: Date): Date {
  if (!/^\d{1,16}$/.test(value.trim())) throw new WebhookVerificationError('malformed_timestamp');
  const ms = Number(value.trim()) * (unit === 'seconds' ? 1000 : 1);
  const skew = (now.getTime() - ms) / 1000;
  if (skew > toleranceSeconds) throw new WebhookVerificationError('timestamp_too_old');
  if (skew < -toleranceSeconds) throw new WebhookVerificationError('timestamp_too_new');
  return new Date(ms);
}
