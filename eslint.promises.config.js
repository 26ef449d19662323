// `npm run lint:promises`: the store answers with promises, so a forgotten `await` is a write that
// may run after the command's answer, or outside its transaction, and a failure nobody sees. These
// rules need type information, which is slow on the whole repository: they run on the server and
// the scripts only, where the store is used.
import { defineConfig, globalIgnores } from 'eslint/config';
import ts from 'typescript-eslint';

export default defineConfig(globalIgnores(['**/*.svelte', 'kiosk/', 'build/']), {
  files: ['server/src/**/*.ts', 'scripts/**/*.ts'],
  extends: [ts.configs.base],
  languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
  linterOptions: { reportUnusedDisableDirectives: 'off' },
  rules: {
    '@typescript-eslint/no-floating-promises': 'error',
    '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    '@typescript-eslint/await-thenable': 'error'
  }
});
