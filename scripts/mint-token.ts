/**
 * `npm run token -- [--role viewer|operator] [--sub name] [--ttl 8h] [--private-key file.pem]`
 * Mints an on-call console token for local use and prints it (only the token, so that
 * `OPS_TOKEN=$(npm run -s token -- --role operator)` works). HS256 signs with OPS_JWT_SECRET (the
 * repository's dev secret when .env sets none); RS256/ES256 need the private key's file.
 */
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { loadDevEnv } from './lib/dev-env';
import { ROLES, signOpsToken, type MintOptions, type Role } from '../src/ops/auth';
import { opsConfigFromEnv } from '../src/ops/config';

function main(): void {
  const { values } = parseArgs({
    options: {
      role: { type: 'string', default: 'viewer' },
      sub: { type: 'string' },
      ttl: { type: 'string', default: '8h' },
      'private-key': { type: 'string' },
    },
  });
  const role = values.role as Role;
  if (!ROLES.includes(role)) throw new Error(`--role must be one of ${ROLES.join(', ')}`);
  if (!/^\d+[smhd]$/.test(values.ttl)) throw new Error('--ttl must look like 15m, 8h or 1d');

  const env = loadDevEnv({ ...process.env });
  const { jwt } = opsConfigFromEnv(env);
  let signingKey: string | undefined;
  if (jwt.algorithm === 'HS256') signingKey = jwt.key;
  else if (values['private-key']) signingKey = readFileSync(values['private-key'], 'utf8');
  if (!signingKey) throw new Error(jwt.algorithm === 'HS256' ? 'set OPS_JWT_SECRET' : `${jwt.algorithm} needs --private-key <file.pem>`);

  const token = signOpsToken({
    sub: values.sub ?? `${userInfo().username}@local`,
    roles: [role],
    expiresIn: values.ttl as MintOptions['expiresIn'],
    algorithm: jwt.algorithm,
    signingKey,
    issuer: jwt.issuer,
    audience: jwt.audience,
  });
  process.stdout.write(`${token}\n`);
}

try {
  main();
} catch (err) {
  process.stderr.write(`[token] ${(err as Error).message}\n`);
  process.exitCode = 1;
}
