import { createHash } from 'node:crypto';

/** Keys made only of these characters, and not too long, are used as they are: readable in the UI. */
const SAFE_KEY = /^[A-Za-z0-9._@-]{1,128}$/;

/**
 * The workflow ID for an event: `<source>:<eventKey>`. The same event always maps to the same ID,
 * which is what makes Temporal reject a second saga for a redelivery. A key with other characters,
 * or a long one, is replaced by its SHA-256 so that two different keys never collide after escaping.
 */
export function workflowIdFor(source: string, eventKey: string): string {
  if (SAFE_KEY.test(eventKey)) return `${source}:${eventKey}`;
  return `${source}:sha256-${createHash('sha256').update(eventKey, 'utf8').digest('hex')}`;
}
