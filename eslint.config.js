// @ts-check
// A few rules that each catch a real bug class in a library that supervises processes, checked with
// type information. Nothing stylistic: formatting is Prettier's (npm run format), and the import
// rules ESLint cannot state (type-only cycles, layers) are in scripts/check-imports.ts.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'eslint/config';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: ['dist/', 'coverage/', 'e2e/node_modules/', 'e2e/.tmp/'],
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      // The tsconfig.json that `npm run typecheck` uses: every linted file is in it.
      parserOptions: { projectService: true, tsconfigRootDir: fileURLToPath(new URL('.', import.meta.url)) },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { '@typescript-eslint': tseslint.plugin, 'import-x': importX },
    settings: {
      // The imported files are TypeScript too: import-x parses them to follow their imports.
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.mts', '.cts'] },
      'import-x/extensions': ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'],
      // `./x.js` in an import names `./x.ts` (NodeNext): the TypeScript resolver follows that.
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })],
    },
    rules: {
      // A cycle makes load order decide which module sees the other's bindings as undefined.
      // This rule skips `import type`; scripts/check-imports.ts counts those too.
      'import-x/no-cycle': 'error',
      // A promise nobody awaits or marks handled becomes an unhandled rejection, which ends the
      // host (Node ≥ 15): exactly what the library promises never to do. `void p` states on
      // purpose that a promise's outcome is handled elsewhere, and so does handled(p), which
      // returns `p` after marking its rejection as observed.
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: true, allowForKnownSafeCalls: [{ from: 'file', name: 'handled', path: 'src/internal/deferred.ts' }] }],
      // An async function where a callback's return is ignored (an event listener, a timer, a
      // forEach) rejects into nowhere. Spreading an async result into an object, or testing a
      // promise in an `if`, is always a mistake too.
      '@typescript-eslint/no-misused-promises': ['error', { checksConditionals: true, checksSpreads: true, checksVoidReturn: true }],
      // `await` on a value that is not a promise hides a missing call or a wrong type.
      '@typescript-eslint/await-thenable': 'error',
    },
  },
);
