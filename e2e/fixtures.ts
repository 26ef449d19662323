/**
 * Shared browser-test fixtures: every page's requests are recorded and must stay on the server's
 * origin (no external font, script or analytics — principle 8); axe runs with WCAG 2.2 AA tags.
 */
import AxeBuilder from '@axe-core/playwright';
import { test as base, expect, type BrowserContext, type Page } from '@playwright/test';

export const demo = {
  agent: { login: 'marie', secret: '1234', firstName: 'Marie' },
  manager: { login: 'gestion', secret: 'demoville-gestion' }
};

type Fixtures = { requests: string[] };

export const test = base.extend<Fixtures>({
  requests: [
    async ({ context, baseURL }, use) => {
      const seen: string[] = [];
      const record = (ctx: BrowserContext) => ctx.on('request', (r) => seen.push(r.url()));
      record(context);
      await use(seen);
      const origin = new URL(baseURL!).origin;
      const foreign = seen.filter((u) => !u.startsWith('data:') && !u.startsWith('blob:') && new URL(u).origin !== origin);
      expect(foreign, 'requests that left the server origin').toEqual([]);
    },
    { auto: true }
  ]
});

export { expect };

export async function expectNoAxeViolations(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
  const summary = results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(summary, 'axe violations').toEqual([]);
}

export async function expectNoHorizontalScroll(page: Page): Promise<void> {
  const overflow = await page.evaluate(() => {
    const page = document.documentElement.scrollWidth - document.documentElement.clientWidth;
    // A screen area that scrolls by itself (the kiosk's, between its header and its bar) would
    // hide what overflows it from the page's measure: it is measured too.
    const areas = Array.from(document.querySelectorAll('main'), (el) => el.scrollWidth - el.clientWidth);
    return Math.max(page, ...areas);
  });
  expect(overflow, 'horizontal overflow in px').toBeLessThanOrEqual(0);
}

/** The kiosk screens Guichet is built for: portrait and landscape full HD. */
const kioskViewports = [
  { width: 1080, height: 1920 },
  { width: 1920, height: 1080 }
];

export async function expectNoHorizontalScrollOnKioskScreens(page: Page): Promise<void> {
  for (const viewport of kioskViewports) {
    await page.setViewportSize(viewport);
    await expectNoHorizontalScroll(page);
  }
}

/** Every visible interactive element is at least `min` CSS px in both directions. */
export async function expectTouchTargets(page: Page, min = 48): Promise<void> {
  const small = await page.evaluate((min) => {
    const els = Array.from(document.querySelectorAll<HTMLElement>('button, a[href], input, select, textarea, [role="button"]'));
    return els
      .filter((el) => el.offsetParent !== null || getComputedStyle(el).position === 'fixed')
      .map((el) => ({ el, box: el.getBoundingClientRect() }))
      .filter(({ box }) => box.width > 0 && box.height > 0 && (box.width < min || box.height < min))
      .map(
        ({ el, box }) =>
          `${el.tagName.toLowerCase()} "${(el.textContent ?? '').trim().slice(0, 30)}" ${Math.round(box.width)}×${Math.round(box.height)}`
      );
  }, min);
  expect(small, `touch targets under ${min}px`).toEqual([]);
}

export async function loginAs(page: Page, face: 'agent' | 'manager'): Promise<void> {
  const who = demo[face];
  await page.goto(face === 'agent' ? '/agent' : '/gestion');
  await page.getByLabel('Identifiant').fill(who.login);
  await page.getByLabel(face === 'agent' ? 'Code PIN' : 'Mot de passe').fill(who.secret);
  await page.getByRole('button', { name: 'Se connecter' }).click();
}

/** Moves to one page of the manager console by its link in the console's menu. */
export async function openConsolePage(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Pages de la gestion' }).getByRole('link', { name }).click();
  await expect(page.getByRole('link', { name, exact: true })).toHaveAttribute('aria-current', 'page');
}

/** The bar's « Tout effacer », confirmed in its dialog (in any language): the session ends. */
export async function eraseAll(page: Page): Promise<void> {
  await page.getByTestId('finish').tap();
  await page.getByTestId('wipe-yes').tap();
}

/**
 * Opens the demo kiosk on its idle screen. The kiosk's session is held by the server and resumed
 * on reload, so a session left by an earlier test is ended first, the way a citizen would.
 */
export async function openKiosk(page: Page, path = '/borne'): Promise<void> {
  await page.goto(path);
  const kiosk = page.locator('.kiosk[data-ready="true"]');
  await expect(kiosk).toBeVisible();
  if ((await kiosk.getAttribute('data-screen')) !== 'idle') await eraseAll(page);
  await expect(page.locator('.kiosk[data-screen="idle"]')).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
}

/**
 * From the idle screen, the ID card procedure for a lost card, answered up to its checklist of
 * documents (shown). Several tests start from there.
 */
export async function answerIdCardUpToChecklist(page: Page): Promise<void> {
  await page.getByRole('button', { name: "Touchez l'écran pour commencer" }).tap();
  await page.locator('[data-procedure="carte-identite-passeport"]').tap();
  await page.getByRole('button', { name: 'Suivant' }).tap();
  await page.getByRole('radio', { name: "Carte d'identité" }).tap();
  await page.getByRole('button', { name: 'Suivant' }).tap();
  await page.getByRole('radio', { name: "J'ai perdu mon papier" }).tap();
  await page.getByRole('button', { name: 'Suivant' }).tap();
  await page.getByRole('radio', { name: 'Non' }).tap();
  await page.getByRole('button', { name: 'Suivant' }).tap();
  await page.getByRole('radio', { name: 'Non' }).tap();
  await page.getByRole('button', { name: 'Suivant' }).tap();
  await expect(page.locator('li[data-document="timbre-perte"]')).toBeVisible();
}
