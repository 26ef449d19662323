/**
 * `npm test`: the whole check, in the order a failure is cheapest to find — type-check, lint
 * (ESLint, knip), build, unit and server integration tests (vitest), then browser tests
 * (Playwright) against the built server. Ends with one line counting every test: `tests: N passed, N failed`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureChromium } from './ensure-chromium';
import { ensureCups } from './ensure-cups';
import { ensureDeployTools } from './ensure-deploy-tools';
import { ensurePostgres } from './ensure-postgres';
import { freePort } from '../server/src/testing/processes';

const root = path.resolve(import.meta.dirname, '..');
const reports = path.join(root, '.test-output');
fs.rmSync(reports, { recursive: true, force: true });
fs.mkdirSync(reports, { recursive: true });

function step(title: string, command: string, args: string[], env: Record<string, string> = {}): boolean {
  console.log(`\n▶ ${title}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return result.status === 0;
}

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

function vitestCounts(file: string): Counts | null {
  if (!fs.existsSync(file)) return null;
  const r = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    numTodoTests: number;
  };
  return { passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests + r.numTodoTests };
}

function playwrightCounts(file: string): Counts | null {
  if (!fs.existsSync(file)) return null;
  const r = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    stats: { expected: number; unexpected: number; flaky: number; skipped: number };
  };
  return { passed: r.stats.expected, failed: r.stats.unexpected + r.stats.flaky, skipped: r.stats.skipped };
}

ensureChromium();
// The printer tests print through a real CUPS scheduler and read the PDFs back with pdftotext.
ensureCups();
// The deploy tests check the systemd units and the Caddyfile with the tools that run them.
ensureDeployTools();
// The server specs run over PostgreSQL too, on a throwaway cluster of Debian's binaries.
ensurePostgres();

const results: { name: string; counts: Counts | null; ok: boolean }[] = [];
let ok = step('Type-check (svelte-check + tsc)', 'npm', ['run', '--silent', 'check']);
if (ok) ok = step('Lint (ESLint)', 'npm', ['run', '--silent', 'lint']);
if (ok) ok = step('Every promise of the server awaited (ESLint with types)', 'npm', ['run', '--silent', 'lint:promises']);
if (ok) ok = step('Unused files, exports and dependencies (knip)', 'npm', ['run', '--silent', 'knip']);
if (ok) ok = step('Build the web app', 'npx', ['vite', 'build', '--logLevel', 'warn']);
if (ok) {
  const file = path.join(reports, 'vitest.json');
  // The server specs run over SQLite and over PostgreSQL (vitest's `sqlite` and `postgres`
  // projects) in one run: one report, counted in the same line.
  const passed = step('Unit and server integration tests, SQLite and PostgreSQL (vitest)', 'npx', [
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${file}`
  ]);
  results.push({ name: 'vitest (sqlite + postgres)', counts: vitestCounts(file), ok: passed });
  const report = path.join(reports, 'playwright.json');
  const e2ePassed = step(
    'Browser tests (Playwright, Chromium)',
    'npx',
    ['playwright', 'test', '-c', 'e2e/playwright.config.ts'],
    {
      GUICHET_E2E_PORT: String(await freePort()),
      GUICHET_E2E_REPORT: report
    }
  );
  results.push({ name: 'playwright', counts: playwrightCounts(report), ok: e2ePassed });
}

const total = results.reduce<Counts>(
  (sum, r) => ({
    passed: sum.passed + (r.counts?.passed ?? 0),
    failed: sum.failed + (r.counts?.failed ?? 0),
    skipped: sum.skipped + (r.counts?.skipped ?? 0)
  }),
  { passed: 0, failed: 0, skipped: 0 }
);
console.log('');
for (const r of results) {
  console.log(
    r.counts
      ? `${r.name}: ${r.counts.passed} passed, ${r.counts.failed} failed, ${r.counts.skipped} skipped`
      : `${r.name}: no report (the runner did not finish)`
  );
}
// A stage that failed without a failing test (type errors, a build error, a runner crash)
// still counts as one failure, so the closing line never reads green when the run was not.
const stageFailures = (ok ? 0 : 1) + results.filter((r) => !r.ok && (r.counts?.failed ?? 0) === 0).length;
const failed = total.failed + stageFailures;
if (!ok) console.log('Stopped before the tests: see the first error above.');
console.log(`tests: ${total.passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
