/**
 * The edge on the real build: the security headers are on the pages SvelteKit renders and on the
 * static files it serves (scripts, styles, the favicon), its CSP is still there, and the demo kiosk
 * still opens by itself in this machine's browser.
 */
import type { Response } from '@playwright/test';
import { expect, openKiosk, test } from './fixtures';

const securityHeaders = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'SAMEORIGIN'
};

test('pages and static files carry the security headers, next to the pages’ CSP', async ({ page, request }) => {
  const assets: Response[] = [];
  page.on('response', (r) => {
    if (new URL(r.url()).pathname.startsWith('/_app/')) assets.push(r);
  });
  await openKiosk(page);
  const document = await request.get('/borne');
  expect(document.headers()).toMatchObject(securityHeaders);
  expect(document.headers()['content-security-policy']).toContain("frame-ancestors 'self'");

  expect(assets.length).toBeGreaterThan(0);
  for (const asset of assets) {
    expect({ url: asset.url(), ...(await asset.allHeaders()) }).toMatchObject({ url: asset.url(), ...securityHeaders });
  }
  const favicon = await request.get('/favicon.svg');
  expect(favicon.status()).toBe(200);
  expect(favicon.headers()).toMatchObject(securityHeaders);
  // A file that is not there: the app's own 404, with the same headers.
  const missing = await request.get('/_app/immutable/nothing.js');
  expect(missing.status()).toBe(404);
  expect(missing.headers()).toMatchObject(securityHeaders);
});

test('the demo kiosk still pairs itself in this machine’s browser and connects', async ({ page }) => {
  await openKiosk(page);
  await expect(page.getByRole('status').filter({ hasText: 'Connecté' })).toBeVisible();
});
