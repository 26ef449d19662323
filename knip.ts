// `npm run knip`: files, exports, types and dependencies nothing uses, run by `npm test` after the
// linter. The SvelteKit app lives in kiosk/ (svelte.config.js `kit.files`), so its routes and hooks
// are named here; vitest (vitest.config.ts) and Playwright (e2e/) bring their tests as entries.
import type { KnipConfig } from 'knip';

const config: KnipConfig = {
  entry: [
    'kiosk/src/routes/**/+{page,server,page.server,error,layout,layout.server}{,@*}.{js,ts,svelte}',
    'kiosk/src/hooks{,.server,.client}.{js,ts}',
    // The entries scripts/build-server.mjs bundles, and the modules a worker thread loads by URL.
    'server/src/built-main.ts',
    'server/src/**/*.worker.ts',
    'server/src/**/*worker*.mjs',
    'scripts/*.{ts,mjs,cjs}',
    'scripts/bench/*.ts',
    // Type-level tests: checked by tsc, never run.
    'server/src/**/*.test-d.ts',
    // The setup files of vitest's two projects (vitest.config.ts builds its project list in code).
    'server/src/testing/{postgres-global-setup,postgres-setup,sqlite-setup}.ts'
  ],
  project: ['**/*.{js,ts,mjs,cjs,svelte}'],
  playwright: { config: ['e2e/playwright.config.ts'] },
  // Debian's tools, run by the scripts that install them and by the tests that read PDFs back.
  ignoreBinaries: ['apt-get', 'pdftotext', 'pdfinfo', 'prlimit', 'script'],
  // Loaded by paraglide through kiosk/project.inlang/settings.json `modules`, not imported.
  ignoreDependencies: ['@inlang/plugin-message-format']
};

export default config;
