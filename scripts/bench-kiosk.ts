/**
 * `npm run bench:kiosk`: builds the web app, starts the real server on a free port, and loads the
 * kiosk in Chromium with the CPU slowed down 4×. Prints the JavaScript of the first load (gzip),
 * the time until the idle screen can be touched, and the median time from "Suivant" to the next
 * step on screen (20 changes), each beside its target. Ends with `bench kiosk: …`, then exits with
 * status 1 if a figure is over its target (JavaScript over 80 KB, a step over 100 ms).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium } from '@playwright/test';
import { chromiumPath, ensureChromium } from './ensure-chromium';
import { freePort } from '../server/src/testing/processes';
import { overTargets } from './bench-targets';

const root = path.resolve(import.meta.dirname, '..');
const samples = 20;
const targets = { js_gzip_kb: 80, step_ms: 100 };

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

ensureChromium();
console.log('Building the web app…');
if (spawnSync('npx', ['vite', 'build', '--logLevel', 'error'], { cwd: root, stdio: 'inherit' }).status !== 0) process.exit(1);

const port = await freePort();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-bench-kiosk-'));
const server = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
  cwd: root,
  env: { ...process.env, GUICHET_PORT: String(port), GUICHET_DATA_DIR: dataDir, GUICHET_LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'pipe', 'inherit']
});
const base = `http://127.0.0.1:${port}`;
await new Promise<void>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('server did not start in 30 s')), 30_000);
  server.stdout!.on('data', (d: Buffer) => {
    if (d.toString().includes('Guichet is running')) {
      clearTimeout(timer);
      resolve();
    }
  });
});

const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run']
});
try {
  const context = await browser.newContext({ viewport: { width: 1080, height: 1920 } });
  const page = await context.newPage();
  // The demo kiosk's cookie first, so the measured load is the kiosk itself.
  await page.goto(`${base}/borne`);
  await context.clearCookies({ name: 'PARAGLIDE_LOCALE' });

  const scripts = new Set<string>();
  page.on('response', (r) => {
    if (r.request().resourceType() === 'script') scripts.add(r.url());
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  await page.goto(`${base}/borne`, { waitUntil: 'load' });
  await page.waitForFunction(() => performance.getEntriesByName('guichet:kiosk-interactive').length > 0);
  const interactiveMs = await page.evaluate(() => performance.getEntriesByName('guichet:kiosk-interactive')[0]!.startTime);

  let jsGzipBytes = 0;
  for (const url of scripts) {
    const body = Buffer.from(await (await fetch(url)).arrayBuffer());
    jsGzipBytes += zlib.gzipSync(body, { level: 9 }).length;
  }

  // "Suivant" → next step on screen, through the ID card procedure (answers are not timed).
  await page.getByRole('button', { name: "Touchez l'écran pour commencer" }).click();
  const stepMs: number[] = [];
  while (stepMs.length < samples) {
    await page.locator('[data-procedure="carte-identite-passeport"]').click();
    for (;;) {
      const section = page.locator('section[data-step]');
      const radios = section.getByRole('radio');
      const step = await section.getAttribute('data-step');
      if (step === 'fin' || stepMs.length >= samples) break;
      if (step === 'papiers') {
        const docs = section.locator('li[data-document]');
        for (let i = 0; i < (await docs.count()); i++) await docs.nth(i).getByRole('radio').first().click();
      } else if ((await radios.count()) > 0) await radios.first().click();
      stepMs.push(
        await page.evaluate(
          () =>
            new Promise<number>((resolve) => {
              const section = document.querySelector<HTMLElement>('section[data-step]')!;
              const before = section.dataset.step;
              const next = [...document.querySelectorAll<HTMLButtonElement>('nav button')].at(-1)!;
              const t0 = performance.now();
              const observer = new MutationObserver(() => {
                const now = document.querySelector<HTMLElement>('section[data-step]');
                if (now?.dataset.step !== before) {
                  observer.disconnect();
                  requestAnimationFrame(() => resolve(performance.now() - t0));
                }
              });
              observer.observe(document.body, {
                subtree: true,
                childList: true,
                attributes: true,
                attributeFilter: ['data-step']
              });
              next.click();
            })
        )
      );
    }
    // « Tout effacer » asks first.
    await page.getByTestId('finish').click();
    await page.getByTestId('wipe-yes').click();
    await page.getByRole('button', { name: "Touchez l'écran pour commencer" }).click();
  }

  const result = {
    js_gzip_kb: Math.round((jsGzipBytes / 1024) * 10) / 10,
    interactive_ms: Math.round(interactiveMs),
    step_ms: Math.round(median(stepMs) * 10) / 10,
    step_p90_ms: Math.round([...stepMs].sort((a, b) => a - b)[Math.floor(stepMs.length * 0.9)]! * 10) / 10,
    scripts: scripts.size
  };
  console.log(
    `\nFirst load of /borne: ${scripts.size} scripts, ${result.js_gzip_kb} KB of JavaScript gzipped (target ≤ ${targets.js_gzip_kb} KB)`
  );
  console.log(`Idle screen interactive after ${result.interactive_ms} ms with the CPU slowed 4×`);
  console.log(
    `"Suivant" → next step: median ${result.step_ms} ms, p90 ${result.step_p90_ms} ms over ${stepMs.length} changes (target ≤ ${targets.step_ms} ms)`
  );
  // A figure over its target fails the run (after the last line), so a regression cannot pass unseen.
  const missed = overTargets(result, targets);
  if (missed.length > 0) console.log(`Over target: ${missed.join(', ')}`);
  console.log(
    `bench kiosk: js_gzip_kb=${result.js_gzip_kb} interactive_ms=${result.interactive_ms} step_ms=${result.step_ms} step_p90_ms=${result.step_p90_ms} js_target_kb=${targets.js_gzip_kb} step_target_ms=${targets.step_ms}`
  );
  if (missed.length > 0) process.exitCode = 1;
} finally {
  await browser.close();
  server.kill('SIGTERM');
  fs.rmSync(dataDir, { recursive: true, force: true });
}
