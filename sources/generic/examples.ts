import { join } from 'node:path';
import type { ContractExample } from '../types';
import { keyPair } from '../sender/asymmetric';
import { randomToken } from '../sender/credentials';
import { randomSecret } from '../sender/hmac';

/**
 * The configurations the contract suite checks the generic kind under: every preset with its own
 * fixtures (fixtures/<preset>), and each scheme that no preset uses. Secrets and keys are made
 * here, at test time, never committed; every endpoint gets two secrets or public keys (a rotation)
 * and is signed with the second, the one rotated in.
 */
const SAMPLE = join(__dirname, 'fixtures', 'sample');
const recorded = (types: string[]) => Object.fromEntries(types.map((t) => [t, 'recordEventSaga']));
const pair = (make: () => string) => [make(), make()] as const;
const whsec = () => `whsec_${randomSecret('base64')}`;

/** An endpoint of one entry, signed with `signingKey`, or else with the second of its secrets. */
function declared(label: string, name: string, entry: Record<string, unknown>, signingKey?: string): ContractExample {
  const secrets = entry.secrets as readonly string[] | undefined;
  const key = signingKey ?? secrets?.[1];
  return { label, env: { SOURCES_CONFIG: JSON.stringify({ [name]: entry }) }, ...(key ? { signingKey: key } : {}) };
}

export function genericExamples(): ContractExample[] {
  const ed25519 = keyPair('ed25519');
  const rsa = keyPair('rsa-sha256');
  const ecdsa = keyPair('ecdsa-p256');
  const sample = { kind: 'generic', fixtures: SAMPLE, eventKey: 'body:id', eventType: 'body:type', routes: recorded(['shipment.delivered', 'invoice.paid']) };
  return [
    declared('preset stripe', 'example-stripe', { preset: 'stripe', secrets: pair(() => `whsec_${randomToken()}`), routes: recorded(['invoice.paid', 'customer.subscription.deleted']) }),
    declared('preset github', 'example-github', {
      preset: 'github',
      secrets: pair(randomToken),
      eventKey: ['body:issue.id', 'body:action', 'body:issue.updated_at'],
      eventType: 'body:action',
      routes: recorded(['opened', 'closed']),
    }),
    declared('preset shopify', 'example-shopify', {
      preset: 'shopify',
      secrets: pair(randomToken),
      eventKey: ['body:id', 'body:updated_at'],
      eventType: { value: 'orders/updated' },
      routes: { 'orders/updated': { saga: 'recordEventSaga', when: { 'body:test': { equals: false } } } },
    }),
    declared('preset slack', 'example-slack', { preset: 'slack', secrets: pair(randomToken), routes: recorded(['app_mention', 'reaction_added']) }),
    declared('preset twilio', 'example-twilio', { preset: 'twilio', secrets: pair(randomToken), publicUrl: 'https://hooks.example.com/webhooks/example-twilio', routes: recorded(['received', 'delivered']) }),
    declared('preset standard-webhooks', 'example-standard-preset', { preset: 'standard-webhooks', secrets: pair(whsec), routes: recorded(['shipment.delivered', 'invoice.paid']) }),
    declared(
      'ed25519 (Discord-style)',
      'example-ed25519',
      {
        scheme: 'ed25519',
        publicKeys: [keyPair('ed25519').publicKey, ed25519.publicKey],
        signature: { header: 'x-signature-ed25519', encoding: 'hex' },
        timestamp: { header: 'x-signature-timestamp' },
        signedString: '{timestamp}{body}',
        ...sample,
      },
      ed25519.privateKey,
    ),
    declared(
      'rsa-sha256, signature and timestamp as parts of one header',
      'example-rsa',
      { scheme: 'rsa-sha256', publicKeys: [keyPair('rsa-sha256').publicKey, rsa.publicKey], signature: { header: 'x-acme-signature', encoding: 'base64', part: 'sig', separator: ';' }, timestamp: { part: 'ts' }, signedString: '{method} {timestamp}.{body}', ...sample },
      rsa.privateKey,
    ),
    declared(
      'ecdsa-p256 (DER)',
      'example-ecdsa',
      { scheme: 'ecdsa-p256', publicKeys: [keyPair('ecdsa-p256').publicKey, ecdsa.publicKey], signature: { header: 'x-acme-signature', encoding: 'base64url' }, timestamp: { header: 'x-acme-timestamp', unit: 'milliseconds' }, signedString: '{timestamp}:{header:x-acme-tenant}:{body}', ...sample },
      ecdsa.privateKey,
    ),
    declared('bearer token', 'example-bearer', { scheme: 'token', token: { header: 'authorization', scheme: 'Bearer' }, secrets: pair(randomToken), ...sample }),
    declared('API key in a header', 'example-api-key', { scheme: 'token', token: { header: 'x-api-key' }, secrets: pair(randomToken), ...sample }),
    declared('API key in the query', 'example-query-key', { scheme: 'token', token: { query: 'api_key' }, secrets: pair(randomToken), ...sample }),
    declared('Basic auth', 'example-basic', { scheme: 'basic', secrets: pair(() => `acme:${randomToken()}`), ...sample }),
  ];
}
