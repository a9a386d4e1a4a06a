import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { builtinModules } from 'node:module';

/** Node built-ins, with and without the `node:` prefix. */
const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.data/', '.tools/', 'coverage/', 'test-artifacts/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // Workflow code is replayed and must stay deterministic: no Node built-ins, no I/O libraries,
    // activities only through `import type` and proxyActivities.
    files: ['sagas/**/*.ts'],
    ignores: ['sagas/activities/**', 'sagas/clients/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow code must be deterministic: no Node built-ins in sagas/ (use an activity).' })),
          patterns: [
            { group: ['ioredis', 'express', 'winston', 'jsonwebtoken', 'raw-body', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'], message: 'Not in workflow code: use an activity.' },
            { group: ['**/src/**', '../src/*'], message: 'Workflow code may not import the receiver (src/).' },
          ],
        },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['sagas/activities/**', 'sagas/clients/**'],
    rules: {},
  },
);
