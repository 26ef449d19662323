// `npm run lint`: ESLint over the whole repository (server, shared, printers, scripts, deploy,
// e2e and the SvelteKit app in kiosk/), run by `npm test` right after the type-check.
//
// typescript-eslint's recommended set without type information: the type-aware set took minutes
// on a two-core machine (tsc alone takes about a minute), and `tsc` + `svelte-check` already check
// the types.
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

export default defineConfig(
  // Generated or built: paraglide's compiled messages, SvelteKit's types, both builds, reports.
  globalIgnores([
    'kiosk/src/lib/paraglide/',
    'kiosk/.svelte-kit/',
    'kiosk/build/',
    'build/',
    'data/',
    'test-results/',
    'playwright-report/',
    '.test-output/'
  ]),
  js.configs.recommended,
  ts.configs.recommended,
  svelte.configs.recommended,
  {
    languageOptions: {
      // The server, the scripts and the tests run on Node; the app's modules run in the browser
      // and, rendered on the server, on Node too.
      globals: { ...globals.browser, ...globals.node }
    },
    rules: {
      // `const { secret: _, ...rest } = x` is how a field is left out of a copy.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
      // The app's state lives in `$state` fields replaced whole; a Map, Set or Date in a
      // `.svelte.ts` class is a private record or a local lookup that no view reads.
      'svelte/prefer-svelte-reactivity': 'off',
      // Guichet serves the app at the root of its own server (no `paths.base`), and most links are
      // the server's /api downloads, which are not SvelteKit routes `resolve()` knows.
      'svelte/no-navigation-without-resolve': 'off'
    }
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: { parser: ts.parser, extraFileExtensions: ['.svelte'], svelteConfig }
    }
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    // A CommonJS script loads its modules with require().
    rules: { '@typescript-eslint/no-require-imports': 'off' }
  }
);
