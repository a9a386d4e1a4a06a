import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { builtinModules } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Node built-ins, with and without the `node:` prefix. */
const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

/** src/ is the top layer: nothing below it imports it. */
const RECEIVER = { group: ['**/src/**', '../src/*', '../../src/*', '../../../src/*'], message: 'Only src/ composes the layers: core/, sources/ and sagas/ never import the receiver (src/).' };
/** core/ is the bottom layer: it imports no other layer. */
const UPPER_LAYERS = { group: ['**/sources/**', '**/sagas/**', '../sources', '../sources/*', '../../sources', '../../sources/*', '../sagas', '../sagas/*', '../../sagas', '../../sagas/*'], message: 'core/ is the bottom layer: it imports no other layer.' };
/** What workflow code may not import: it is replayed and must stay deterministic. */
const NOT_IN_WORKFLOWS = {
  paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow code must be deterministic: no Node built-ins (use an activity).' })),
  io: { group: ['ioredis', 'express', 'winston', 'jsonwebtoken', 'raw-body', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'], message: 'Not in workflow code: use an activity.' },
};

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.data/', '.tools/', 'coverage/', 'test-artifacts/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // Type-aware: a promise nobody awaits, or one handed to a callback that ignores it, loses its errors.
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: dirname(fileURLToPath(import.meta.url)) } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    // The deploy manifests' YAML documents (Kubernetes objects, compose services) are read untyped: the
    // assertions say what each must hold. Everywhere else in test/ answers are typed (test/support/answers.ts).
    files: ['test/deploy/manifests.test.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  // The layers import one way: core/ at the bottom, sources/ and sagas/ above it, src/ (the receiver and
  // the worker) composing them. Each block lists what its files may not import; a later block replaces
  // an earlier one's list for the files both match, so each list is complete.
  {
    files: ['sources/**/*.ts', 'sagas/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [RECEIVER] }] },
  },
  {
    files: ['core/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [RECEIVER, UPPER_LAYERS] }] },
  },
  {
    // Workflow code is replayed and must stay deterministic: no Node built-ins, no I/O libraries,
    // activities only through `import type` and proxyActivities. The saga contract in core/saga/ is
    // imported by workflows, so it obeys the same rule.
    files: ['sagas/workflows/**/*.ts', 'core/saga/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: NOT_IN_WORKFLOWS.paths, patterns: [NOT_IN_WORKFLOWS.io, RECEIVER] }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['core/saga/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: NOT_IN_WORKFLOWS.paths, patterns: [NOT_IN_WORKFLOWS.io, RECEIVER, UPPER_LAYERS] }] },
  },
);
