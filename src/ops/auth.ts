import type { NextFunction, Request, RequestHandler, Response } from 'express';
import jwt, { type JwtPayload } from 'jsonwebtoken';
import { JwtRefusedError, verifyJwt } from '../../core/jwt';
import type { OpsJwtConfig } from './config';
import { OpsForbiddenError, OpsUnauthorizedError, OpsUnavailableError } from './errors';

/** `viewer` reads; `operator` also replays. */
export const ROLES = ['viewer', 'operator'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  /** Who: the token's `sub`, written to the audit log. */
  sub: string;
  roles: Role[];
}

/** What a role may do: an operator can do everything a viewer can. */
const GRANTS: Record<Role, Role[]> = { viewer: ['viewer'], operator: ['viewer', 'operator'] };

export function hasRole(principal: Principal, role: Role): boolean {
  return principal.roles.some((r) => GRANTS[r].includes(role));
}

/**
 * Checks a bearer token with the project's JWT check (core/jwt.ts: algorithm pinned, iss, aud and
 * exp required). The caller learns only "expired" or "not accepted": which claim failed, and what
 * issuer or audience was expected, goes to the log through the error's cause, not to the caller.
 */
/** Clock skew allowed between the identity provider and the receiver when checking exp, nbf and iat. */
const CLOCK_TOLERANCE_SECONDS = 30;

export function verifyOpsToken(token: string, config: OpsJwtConfig): Principal {
  if (!config.key) throw new OpsUnavailableError('ops_auth_not_configured', 'set OPS_JWT_SECRET or OPS_JWT_PUBLIC_KEY');
  let payload: JwtPayload;
  try {
    payload = verifyJwt(token, [config.key], { ...config, clockToleranceSeconds: CLOCK_TOLERANCE_SECONDS });
  } catch (err) {
    if (!(err instanceof JwtRefusedError)) throw err;
    if (err.reason === 'token_expired') throw new OpsUnauthorizedError('token_expired', 'token expired', undefined, err);
    throw new OpsUnauthorizedError('invalid_token', 'token not accepted', undefined, err);
  }
  if (typeof payload.sub !== 'string' || payload.sub === '') throw new OpsUnauthorizedError('invalid_token', 'token has no sub');
  const claimed: unknown[] = Array.isArray(payload.roles) ? payload.roles : [];
  const roles = claimed.filter((r): r is Role => ROLES.includes(r as Role));
  return { sub: payload.sub, roles };
}

/** Bearer token only (no cookies), so a cross-site request can never act as the signed-in engineer. */
function bearer(req: Request): string {
  const header = req.get('authorization');
  const match = header ? /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header) : null;
  if (!match) throw new OpsUnauthorizedError('missing_token', 'expected Authorization: Bearer <token>');
  return match[1]!;
}

/** Authenticates the request and puts the principal in res.locals.principal. */
export function authenticate(config: OpsJwtConfig): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    res.locals.principal = verifyOpsToken(bearer(req), config);
    next();
  };
}

export function requireRole(role: Role): RequestHandler {
  return (_req: Request, res: Response, next: NextFunction) => {
    const principal = principalOf(res);
    if (!hasRole(principal, role)) throw new OpsForbiddenError('forbidden', `requires role ${role}`);
    next();
  };
}

/** The caller, set by authenticate, which runs before every console route. */
export function principalOf(res: Response): Principal {
  const principal = res.locals.principal;
  if (!principal) throw new OpsUnauthorizedError('missing_token', 'not authenticated');
  return principal;
}

export interface MintOptions {
  sub: string;
  roles: Role[];
  /** Seconds, or a jsonwebtoken span such as '8h'. */
  expiresIn: number | `${number}${'s' | 'm' | 'h' | 'd'}`;
  algorithm: OpsJwtConfig['algorithm'];
  /** HS256: the shared secret; RS256/ES256: the PEM private key. */
  signingKey: string;
  issuer: string;
  audience: string;
}

/** Mints a console token (scripts/mint-token.ts and the tests). */
export function signOpsToken(o: MintOptions): string {
  return jwt.sign({ roles: o.roles }, o.signingKey, {
    algorithm: o.algorithm,
    subject: o.sub,
    issuer: o.issuer,
    audience: o.audience,
    expiresIn: o.expiresIn,
  });
}
