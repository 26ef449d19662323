/**
 * Browser tests against the real built server (SvelteKit build + socket.io + SQLite) on a free
 * port with a fresh data folder, in Debian's Chromium (Playwright cannot download browsers here).
 */
import { defineConfig } from '@playwright/test';

const port = Number(process.env.GUICHET_E2E_PORT ?? 3917);
export const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: '.',
  testMatch: '**/*.e2e.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 7_000 },
  forbidOnly: !!process.env.CI,
  reporter: process.env.GUICHET_E2E_REPORT ? [['list'], ['json', { outputFile: process.env.GUICHET_E2E_REPORT }]] : [['list']],
  outputDir: '../test-results',
  use: {
    baseURL,
    locale: 'fr-FR',
    timezoneId: 'Europe/Paris',
    hasTouch: true,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-dev-shm-usage'
      ]
    }
  },
  webServer: {
    command: 'npx tsx scripts/e2e-server.ts',
    cwd: '..',
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: { GUICHET_PORT: String(port), GUICHET_LOG_LEVEL: 'warn' }
  }
});
