import type { Payload, PayloadCodec } from '@temporalio/common';
import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { OpsJwtConfig } from './config';
import type { Logger } from '../logger';
import { authenticate, requireRole } from './auth';
import { OpsBadRequestError } from './errors';
import { opsErrorHandler } from './error-handler';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../http/json-depth';

export interface CodecEndpointDeps {
  codecs: readonly PayloadCodec[];
  jwt: OpsJwtConfig;
  /** Browser origins allowed to call it (the Temporal UI's). */
  corsOrigins: readonly string[];
  logger: Logger;
}

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64');
/** Temporal's codec server protocol: payloads in proto3 JSON (bytes as base64). */
const payloadsBody = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string(), base64).optional(), data: base64.optional() })).max(1000),
});

type JsonPayload = z.infer<typeof payloadsBody>['payloads'][number];

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});

const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

/** The Temporal UI calls from its own origin, with the user's token: answer its preflight, name only allowed origins. */
function cors(origins: readonly string[]): RequestHandler {
  return (req, res, next) => {
    const origin = req.get('origin');
    if (origin && origins.includes(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Access-Control-Allow-Headers', 'authorization, content-type, x-namespace');
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Max-Age', '600');
    }
    res.setHeader('Vary', 'Origin');
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next();
  };
}

/**
 * The codec endpoint (`/codec/encode`, `/codec/decode`) for the Temporal UI and CLI
 * (`--codec-endpoint`): the payload codec of src/temporal/codec.ts behind the console's tokens.
 * Only an operator may read decoded payloads (vendor data with personal details); a viewer sees the
 * console's shapes only.
 */
export function codecRouter({ codecs, jwt, corsOrigins, logger }: CodecEndpointDeps): Router {
  const router = Router();
  router.use(cors(corsOrigins));
  router.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  router.use(authenticate(jwt), requireRole('operator'));
  router.use(
    express.json({
      // Temporal caps a payload at 2 MB; the UI sends a history's payloads a page at a time.
      limit: '8mb',
      type: () => true,
      verify: (_req, _res, bytes) => {
        if (nestsDeeperThan(bytes)) throw new OpsBadRequestError('body_too_deep', `JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
      },
    }),
  );
  const handle = (direction: 'encode' | 'decode'): RequestHandler =>
    async (req, res) => {
      const parsed = payloadsBody.safeParse(req.body);
      if (!parsed.success) throw new OpsBadRequestError('bad_payloads', 'expected { payloads: [{ metadata, data }] } with base64 values');
      let payloads = parsed.data.payloads.map(fromJson);
      const ordered = direction === 'encode' ? codecs : [...codecs].reverse();
      try {
        for (const codec of ordered) payloads = await codec[direction](payloads);
      } catch (err) {
        // A payload that does not decode (unknown key id, tampered, truncated) is the caller's to look at, not a 500.
        throw new OpsBadRequestError('payload_not_decodable', (err as Error).message);
      }
      res.json({ payloads: payloads.map(toJson) });
    };
  router.post('/encode', handle('encode'));
  router.post('/decode', handle('decode'));
  router.use(opsErrorHandler(logger));
  return router;
}
