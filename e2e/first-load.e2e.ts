/**
 * What the first load of the terminals' and the agent's pages costs and does: the kiosk's
 * JavaScript stays within its 80 KB (gzip) budget, nothing on screen moves while the page comes
 * in (cumulative layout shift under 0.1, the « good » threshold), and no page trips its own CSP.
 */
import zlib from 'node:zlib';
import type { Page } from '@playwright/test';
import { demo, eraseAll, expect, expectNoAxeViolations, test } from './fixtures';

/** Records every layout shift from the start of the page, and every CSP refusal. */
async function watchFirstLoad(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { shifts: number[]; refused: string[] };
    w.shifts = [];
    w.refused = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as (PerformanceEntry & { value: number; hadRecentInput: boolean })[]) {
        // As CLS counts them: a shift right after the user's own input is expected.
        if (!entry.hadRecentInput) w.shifts.push(entry.value);
      }
    }).observe({ type: 'layout-shift', buffered: true });
    document.addEventListener('securitypolicyviolation', (e) => w.refused.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
}

/** The layout shifts so far, summed, once the page's fonts are in and a frame has been drawn. */
async function layoutShift(page: Page): Promise<number> {
  return page.evaluate(async () => {
    await document.fonts.ready;
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    return (window as unknown as { shifts: number[] }).shifts.reduce((sum, v) => sum + v, 0);
  });
}

const refused = (page: Page) => page.evaluate(() => (window as unknown as { refused: string[] }).refused);

/** A cookie-less visit of the demo kiosk or display, as on its first start. */
const pages = [
  { path: '/borne', viewport: { width: 1080, height: 1920 }, ready: '.kiosk[data-ready="true"]' },
  // The narrow screen the audit's engine loads pages in: header text wraps there.
  { path: '/borne', viewport: { width: 412, height: 823 }, ready: '.kiosk[data-ready="true"]' },
  { path: '/affichage', viewport: { width: 1920, height: 1080 }, ready: '[data-testid="current-call"]' },
  { path: '/affichage', viewport: { width: 1080, height: 1920 }, ready: '[data-testid="current-call"]' }
];

for (const { path, viewport, ready } of pages) {
  test(`${path} at ${viewport.width}×${viewport.height} comes in without moving (layout shift under 0.1) and without a CSP refusal`, async ({
    page
  }) => {
    await page.setViewportSize(viewport);
    await watchFirstLoad(page);
    const first = await page.goto(path);
    await expect(page.locator(ready)).toBeVisible();
    await expect(page.locator('.badge')).toHaveAttribute('data-status', 'online');
    if (path === '/affichage') await expect(page.locator('[data-sound]')).not.toHaveAttribute('data-sound', 'checking');
    expect(await layoutShift(page)).toBeLessThan(0.1);
    expect(await refused(page)).toEqual([]);
    await expectNoAxeViolations(page);
    // Answered at once, not by a redirection to itself.
    expect(first!.request().redirectedFrom()).toBeNull();
  });
}

for (const viewport of [
  { width: 1280, height: 800 },
  { width: 412, height: 823 }
]) {
  test(`the agent's home at ${viewport.width}×${viewport.height} comes in without moving and without a CSP refusal`, async ({
    page,
    context,
    baseURL
  }) => {
    await page.setViewportSize(viewport);
    // Logged in beforehand, so the measured load is the home page itself.
    const res = await page.request.post('/api/auth/login', {
      data: { face: 'agent', login: demo.agent.login, secret: demo.agent.secret }
    });
    expect(res.status()).toBe(200);
    expect((await context.cookies(baseURL)).map((c) => c.name)).toContain('guichet_agent');
    await watchFirstLoad(page);
    await page.goto('/agent');
    await expect(page.getByTestId('counter-panel')).toBeVisible();
    await expect(page.getByTestId('terminal-list').locator('li').first()).toBeVisible();
    await expect(page.locator('.badge')).toHaveAttribute('data-status', 'online');
    expect(await layoutShift(page)).toBeLessThan(0.1);
    // The page's schemas check input in the browser too, without zod's `new Function` probe.
    expect(await refused(page)).toEqual([]);
    await expectNoAxeViolations(page);
  });
}

test("the kiosk's first load carries at most 80 KB of JavaScript (gzip)", async ({ page }) => {
  const scripts = new Set<string>();
  page.on('response', (r) => {
    if (r.request().resourceType() === 'script') scripts.add(r.url());
  });
  await page.setViewportSize({ width: 1080, height: 1920 });
  await page.goto('/borne');
  await page.waitForFunction(() => performance.getEntriesByName('guichet:kiosk-interactive').length > 0);
  await expect(page.locator('.kiosk[data-ready="true"]')).toBeVisible();
  let bytes = 0;
  for (const url of scripts) bytes += zlib.gzipSync(await (await page.request.get(url)).body(), { level: 9 }).length;
  expect(Math.round((bytes / 1024) * 10) / 10).toBeLessThanOrEqual(80);

  // What the idle screen does not need comes with the first touch, and the procedure opens.
  await page.getByRole('button', { name: "Touchez l'écran pour commencer" }).tap();
  await page.locator('[data-procedure="carte-identite-passeport"]').tap();
  await expect(page.locator('section[data-step]')).toBeVisible();
  await eraseAll(page);
  await expect(page.locator('.kiosk[data-screen="idle"]')).toBeVisible();
});
