/**
 * Writes the build ID of a production build (`npm run build`, after the bundle): the first 12 hex
 * digits of a SHA-256 over every file the worker runs (compiled code and the workflow bundle), so the
 * same sources always give the same ID and any change gives a new Worker Deployment Version.
 * The worker reads it from beside WORKFLOW_BUNDLE_PATH unless WORKER_BUILD_ID is set.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { BUILD_ID_FILE } from '../src/config';

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)]));
}

const dist = resolve(process.argv[2] ?? 'dist');
const hash = createHash('sha256');
for (const file of files(dist).filter((f) => !f.endsWith(BUILD_ID_FILE)).sort()) {
  hash.update(relative(dist, file)).update('\0').update(readFileSync(file)).update('\0');
}
const buildId = hash.digest('hex').slice(0, 12);
writeFileSync(join(dist, BUILD_ID_FILE), `${buildId}\n`);
console.log(`build ID ${buildId} written to ${join(dist, BUILD_ID_FILE)}`);
