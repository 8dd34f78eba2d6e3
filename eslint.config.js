// Lint rules: typescript-eslint's strict type-checked set for TypeScript, plus the layering rule that keeps electron out of the engine.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const electronOnlyInShell = {
  paths: [{ name: 'electron', message: 'Only electron/main and electron/preload may import electron: the engine must run under plain Node.' }],
  patterns: [{ group: ['electron/*'], message: 'Only electron/main and electron/preload may import electron.' }],
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'out/**', 'demo/**', 'bench/results/**', 'coverage/**'] },
  {
    files: ['**/*.js', '**/*.mjs', 'bin/airlock'],
    extends: [js.configs.recommended],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    files: ['**/*.ts', '**/*.tsx'],
    extends: [js.configs.recommended, ...tseslint.configs.strictTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      'no-restricted-imports': ['error', electronOnlyInShell],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  { files: ['electron/main/**', 'electron/preload/**'], rules: { 'no-restricted-imports': 'off' } },
  {
    files: ['test/**'],
    // Tests reach into failure paths on purpose; a non-null assertion that is wrong fails the test loudly.
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      // `result.json<Shape>()` reads the CLI's JSON as the shape a test expects; a wrong guess fails the test.
      '@typescript-eslint/no-unnecessary-type-parameters': 'off',
    },
  },
  // The renderer: its build output is not source, and it reaches the engine only through the IPC contract in shared/.
  { ignores: ['renderer/dist/**', 'test-results/**'] },
  {
    files: ['renderer/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The renderer never imports electron: it talks to the engine through window.airlock or the dev bridge (renderer/src/api).' }],
          patterns: [
            { group: ['electron/*', '**/electron', '**/electron/**'], message: 'The renderer never imports the engine or the Electron shell; use the IPC contract in shared/ipc through renderer/src/api.' },
            { group: ['node:*'], message: 'The renderer runs in a sandboxed page without Node; ask the engine through the IPC contract instead.' },
          ],
        },
      ],
    },
  },
);
