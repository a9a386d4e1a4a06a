/**
 * Scaffolds a new source: `npm run new-source -- <name> [--root <repo>]`. Creates sources/<name>/
 * (adapter, verifier, event types, a fixture, README) on the shared HMAC engine and adds its line to
 * the registry (sources/index.ts). The contract suite runs for it at once.
 */
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { scaffoldSource } from './lib/scaffold';

function main(): void {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { root: { type: 'string', default: resolve(__dirname, '..') } } });
  const [name] = positionals;
  if (!name) throw new Error('usage: npm run new-source -- <name>   (lower-case, dashes allowed: it becomes /webhooks/<name>)');
  const root = resolve(values.root);
  const result = scaffoldSource(root, name);
  const dir = relative(process.cwd(), result.dir) || '.';
  process.stdout.write(
    [
      `created ${dir}/ (${result.files.join(', ')}), its line in sources/index.ts and its variables in .env.example`,
      '',
      'next:',
      `  1. check ${dir}/verify.ts and events.ts against the vendor's docs (the TODOs), and README.md`,
      `  2. put real fixtures in ${dir}/fixtures/, one per routed event type`,
      `  3. check the comments on ${result.envPrefix}_WEBHOOK_SECRETS and ${result.envPrefix}_TOLERANCE_SECONDS in .env.example, and add a dev secret to src/dev-secrets.ts`,
      `  4. CONTRACT_SOURCES=${name} npx jest test/contract`,
      `  5. npm run send -- ${name} sample-created --fresh   (with npm run dev running)`,
      '',
    ].join('\n'),
  );
}

try {
  main();
} catch (err) {
  process.stderr.write(`[new-source] ${(err as Error).message}\n`);
  process.exitCode = 1;
}
