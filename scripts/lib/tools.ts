/**
 * Command-line tools the scripts and tests need, installed into the project's .tools/ from the
 * registries this project reaches, never from a download of their own: Python packages into one
 * virtualenv (.tools/venv), Debian packages unpacked under .tools/debian/<package>/ (not installed,
 * so their maintainer scripts never start a service on this machine). Idempotent: a tool already at
 * its pinned version is used as it is.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');
export const TOOLS_DIR = join(ROOT, '.tools');
export const VENV = join(TOOLS_DIR, 'venv');

function log(message: string): void {
  process.stderr.write(`[tools] ${message}\n`);
}

function pipVersion(name: string): string | undefined {
  try {
    const out = execFileSync(join(VENV, 'bin', 'pip'), ['show', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return /^Version: (.+)$/m.exec(out)?.[1]?.trim();
  } catch {
    return undefined;
  }
}

/** Installs `name==version` from PyPI into .tools/venv unless it is there at that version; returns the path of its command. */
export function ensurePipTool(name: string, version: string, command: string): string {
  const bin = join(VENV, 'bin', command);
  if (existsSync(bin) && pipVersion(name) === version) return bin;
  log(`installing ${name}==${version} into .tools/venv`);
  mkdirSync(TOOLS_DIR, { recursive: true });
  if (!existsSync(join(VENV, 'bin', 'pip'))) execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
  execFileSync(join(VENV, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `${name}==${version}`], { stdio: 'inherit' });
  return bin;
}

/**
 * Unpacks Debian's package `name` (the candidate version of the machine's apt sources) under
 * .tools/debian/<name>/ and returns the path of `file` inside it (e.g. usr/bin/promtool). Refreshes
 * the package lists once when apt does not know the package yet.
 */
export function ensureDebianFile(name: string, file: string): string {
  const dir = join(TOOLS_DIR, 'debian', name);
  const path = join(dir, file);
  if (existsSync(path)) return path;
  log(`unpacking Debian's ${name} package into .tools/debian/${name}`);
  const downloads = join(TOOLS_DIR, 'debian', '.downloads');
  rmSync(downloads, { recursive: true, force: true });
  mkdirSync(downloads, { recursive: true });
  const download = () => execFileSync('apt-get', ['download', '-qq', name], { cwd: downloads, stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    download();
  } catch {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    download();
  }
  const deb = readdirSync(downloads).find((f) => f.endsWith('.deb'));
  if (!deb) throw new Error(`apt-get download ${name} gave no package`);
  execFileSync('dpkg-deb', ['-x', join(downloads, deb), dir]);
  rmSync(downloads, { recursive: true, force: true });
  if (!existsSync(path)) throw new Error(`Debian's ${name} package has no ${file}`);
  return path;
}
