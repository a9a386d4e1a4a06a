import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkDeploy, ensureValidators, type Validators } from '../../scripts/lib/deploy-check';

/**
 * deploy/ through the validators of each format (`npm run check-deploy`), installed into .tools/ from
 * PyPI and Debian's packages. Each validator is also shown to refuse a copy of deploy/ spoilt in its
 * own format, so a validator that checks nothing (or a path that points nowhere) fails here.
 */
const DEPLOY = resolve(__dirname, '..', '..', 'deploy');

let tools: Validators;
const copies: string[] = [];
beforeAll(() => {
  tools = ensureValidators();
}, 300_000);
afterAll(() => copies.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function spoilt(file: string, from: string | RegExp, to: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'deploy-spoilt-'));
  copies.push(dir);
  cpSync(DEPLOY, dir, { recursive: true });
  const text = readFileSync(join(dir, file), 'utf8');
  const changed = text.replace(from, to);
  expect(changed).not.toBe(text);
  writeFileSync(join(dir, file), changed);
  return dir;
}

/** Only the validator of the spoilt format runs on the copy: the others were shown to pass on deploy/ as it is. */
const verdictOf = (dir: string, check: string) => {
  const verdicts = checkDeploy(dir, tools, check);
  expect(verdicts).toHaveLength(1); // `check` names one validator
  return verdicts[0]!;
};

describe('deploy/ and the validators', () => {
  it('passes every one', () => {
    const verdicts = checkDeploy(DEPLOY, tools);
    expect(verdicts.map((v) => v.check)).toEqual(['hadolint', 'kubernetes-validate', 'check-jsonschema (compose spec)', 'promtool check rules', 'nginx -t']);
    for (const v of verdicts) expect([v.check, v.ok, v.ok ? '' : v.output]).toEqual([v.check, true, '']);
  });

  it.each([
    ['hadolint', 'Dockerfile', /^FROM node:\S+ AS build$/m, 'FROM node AS build'],
    ['kubernetes-validate', 'k8s/receiver.yaml', 'livenessProbe:', 'livenesProbe:'],
    ['kubernetes-validate', 'k8s/secret.example.yaml', 'type: Opaque', 'type: [Opaque]'],
    ['check-jsonschema', 'docker-compose.yml', 'stop_grace_period: 30s', 'stop_grace_periods: 30s'],
    ['promtool', 'prometheus/alerts.yml', '> 0.05', '>> 0.05'],
    ['nginx -t', 'nginx.conf', 'listen 8081;', 'listen 8081 sll;'],
  ])('%s refuses a spoilt %s', (check, file, from, to) => {
    expect(verdictOf(spoilt(file, from, to), check).ok).toBe(false);
  });

  it('kubernetes-validate accepts no kind without a schema but the operators README names (KEDA)', () => {
    // The ScaledObjects live in the worker versions' files (worker-<build ID>.yaml).
    const workerVersion = readdirSync(join(DEPLOY, 'k8s')).find((f) => /^worker-.+\.yaml$/.test(f))!;
    const dir = spoilt(`k8s/${workerVersion}`, 'apiVersion: keda.sh/v1alpha1', 'apiVersion: keda.example/v1');
    const verdict = verdictOf(dir, 'kubernetes-validate');
    expect([verdict.ok, verdict.output]).toEqual([false, expect.stringContaining('no schema for keda.example/v1 ScaledObject')]);
  });
});
