/**
 * Reflow (WCAG 1.4.10): at 320 CSS px wide, the agent's tablet and every page of the manager
 * console fit without scrolling sideways. A wide table may scroll inside its own focusable region;
 * the page itself never does. On failure, the elements that stick out are named.
 */
import type { Page } from '@playwright/test';
import { demo, expect, expectNoAxeViolations, loginAs, openKiosk, test } from './fixtures';

const narrow = { width: 320, height: 640 };

async function expectReflow(page: Page, where: string): Promise<void> {
  const found = await page.evaluate(() => {
    const limit = document.documentElement.clientWidth;
    const sticksOut = (el: Element) => {
      const box = el.getBoundingClientRect();
      if (box.width === 0 || (box.right <= limit + 0.5 && box.left >= -0.5)) return false;
      // Inside a region that scrolls by itself, sticking out of it is expected.
      for (let p = el.parentElement; p; p = p.parentElement) {
        const overflow = getComputedStyle(p).overflowX;
        if (overflow === 'auto' || overflow === 'scroll') return false;
      }
      return true;
    };
    // The innermost elements that stick out: the ones that push the others.
    const wide = Array.from(document.querySelectorAll('body *'))
      .filter((el) => sticksOut(el) && !Array.from(el.children).some(sticksOut))
      .slice(0, 8)
      .map(
        (el) =>
          `${el.tagName.toLowerCase()}.${[...el.classList].filter((c) => !c.startsWith('svelte-')).join('.')} «${(el.textContent ?? '').trim().slice(0, 30)}» ${Math.round(el.getBoundingClientRect().width)}px`
      );
    return { scrollWidth: document.documentElement.scrollWidth, wide };
  });
  expect.soft(found, `${where} at 320 px`).toEqual({ scrollWidth: narrow.width, wide: [] });
}

test('the agent’s tablet reflows at 320 px, at home and in a joined session', async ({ page: kiosk, browser }) => {
  const context = await browser.newContext({ viewport: narrow, hasTouch: true, locale: 'fr-FR' });
  const tablet = await context.newPage();
  await loginAs(tablet, 'agent');
  await expect(tablet.getByRole('heading', { name: `Bonjour ${demo.agent.firstName}` })).toBeVisible();
  await tablet.getByRole('button', { name: 'Disponible' }).tap();
  await expect(tablet.getByRole('button', { name: 'Disponible' })).toHaveAttribute('aria-pressed', 'true');
  await expectReflow(tablet, '/agent');
  await expectNoAxeViolations(tablet);

  await openKiosk(kiosk);
  await kiosk.getByRole('button', { name: "Touchez l'écran pour commencer" }).tap();
  await kiosk.locator('[data-procedure="carte-identite-passeport"]').tap();
  await kiosk.getByRole('button', { name: 'Parler à un agent' }).tap();
  const card = tablet.locator('[data-call]');
  await expect(card).toHaveCount(1);
  await expectReflow(tablet, '/agent with a call ringing');
  await card.getByRole('button', { name: 'Accepter' }).tap();
  const joined = tablet.getByTestId('joined-session');
  await expect(joined).toBeVisible();
  await expectReflow(tablet, '/agent joined');
  await joined.getByRole('button', { name: 'Voir toutes les réponses' }).tap();
  await expect(tablet.getByTestId('answers-overview')).toBeVisible();
  await expectReflow(tablet, '/agent joined, answers shown');
  await expectNoAxeViolations(tablet);

  await joined.getByRole('button', { name: 'Terminer la session' }).tap();
  await tablet.getByRole('dialog').getByRole('button', { name: 'Terminer la session' }).tap();
  await expect(joined).toHaveCount(0);
  await context.close();
});

test('every page of the manager console reflows at 320 px', async ({ page }) => {
  test.setTimeout(90_000);
  await page.setViewportSize(narrow);
  await loginAs(page, 'manager');
  const menu = page.getByRole('navigation', { name: 'Pages de la gestion' });
  await expect(menu.getByRole('link').first()).toBeVisible();
  const links = await menu.getByRole('link').evaluateAll((els) => els.map((el) => (el.textContent ?? '').trim()));
  expect(links.length).toBeGreaterThanOrEqual(4);
  for (const name of links) {
    await menu.getByRole('link', { name, exact: true }).click();
    await expect(menu.getByRole('link', { name, exact: true })).toHaveAttribute('aria-current', 'page');
    await expect(page.getByRole('heading', { level: 2 }).first()).toBeVisible();
    await expectReflow(page, name);
    await expectNoAxeViolations(page);
  }

  // The procedure editor, with its kiosk preview, opened from « Démarches ».
  await menu.getByRole('link', { name: 'Démarches', exact: true }).click();
  await page
    .getByRole('button', { name: /^Ouvrir / })
    .first()
    .click();
  await expect(page.getByLabel('Contenu du fichier (YAML)')).not.toBeEmpty();
  await expectReflow(page, 'Démarches, a procedure open');
  await expectNoAxeViolations(page);
});
