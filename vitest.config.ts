import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'server/**/*.spec.ts',
      'shared/**/*.spec.ts',
      'printers/**/*.spec.ts',
      'scripts/**/*.spec.ts',
      // The town hall's installation: systemd units, Caddyfile, install.sh.
      'deploy/**/*.spec.ts',
      // Plain modules of the web app (no Svelte component): tested as they are.
      'kiosk/src/lib/**/*.spec.ts'
    ],
    environment: 'node',
    // A promise handed to expect() without its await fails the test instead of passing it.
    setupFiles: ['server/src/testing/await-before-expect.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000
  }
});
