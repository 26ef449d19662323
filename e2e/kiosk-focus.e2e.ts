/**
 * Focus and the keyboard, on the kiosk and the agent's tablet: each new screen's heading takes
 * focus (WCAG 2.4.3: focus never falls to the page's body), no id is used twice on a screen or in
 * its dialogs (RGAA 8.2; axe's duplicate-id rules are off, so the DOM is read directly), and
 * answers drawn as radios move and choose with the arrow keys (the WAI-ARIA radio pattern).
 */
import type { Browser, Page } from '@playwright/test';
import { demo, expect, loginAs, openKiosk, test } from './fixtures';

async function expectUniqueIds(page: Page, where: string): Promise<void> {
  const duplicates = await page.evaluate(() => {
    const count = new Map<string, number>();
    for (const el of document.querySelectorAll('[id]')) count.set(el.id, (count.get(el.id) ?? 0) + 1);
    return [...count].filter(([, n]) => n > 1).map(([id]) => id);
  });
  expect(duplicates, `ids used more than once on ${where}`).toEqual([]);
}

/** The screen's heading has focus, and is in view. */
async function expectHeadingFocused(page: Page, name: string | RegExp, level = 1): Promise<void> {
  const heading = page.getByRole('heading', { level, name, exact: typeof name === 'string' });
  await expect(heading).toBeFocused();
  await expect(heading).toBeInViewport();
}

test('each kiosk screen change puts focus on the new heading, and no id is used twice', async ({ page }) => {
  await page.setViewportSize({ width: 1080, height: 1920 });
  await openKiosk(page);
  await expectUniqueIds(page, 'the idle screen');

  await page.getByRole('button', { name: "Touchez l'écran pour commencer" }).tap();
  await expectHeadingFocused(page, 'Que voulez-vous faire ?');
  await expectUniqueIds(page, 'the catalog');

  // The list of services, and back.
  await page.getByTestId('take-ticket').tap();
  await expectHeadingFocused(page, 'Pour quel service ?');
  await expectUniqueIds(page, 'the list of services');
  await page.getByRole('button', { name: 'Retour' }).tap();
  await expectHeadingFocused(page, 'Que voulez-vous faire ?');

  // Each step of a procedure.
  await page.locator('[data-procedure="carte-identite-passeport"]').tap();
  await expectHeadingFocused(page, 'Ce que nous allons faire');
  await page.getByRole('button', { name: 'Suivant' }).tap();
  await expectHeadingFocused(page, 'Quel papier voulez-vous ?');
  await expectUniqueIds(page, 'a question');
  await page.getByRole('radio', { name: "Carte d'identité" }).tap();
  await page.getByRole('button', { name: 'Suivant' }).tap();
  await expectHeadingFocused(page, 'Pourquoi faites-vous cette demande ?');
  await page.getByRole('radio', { name: "J'ai perdu mon papier" }).tap();
  await page.getByRole('button', { name: 'Suivant' }).tap();
  await page.getByRole('radio', { name: 'Non' }).tap();
  await page.getByRole('button', { name: 'Suivant' }).tap();
  await page.getByRole('radio', { name: 'Non' }).tap();
  await page.getByRole('button', { name: 'Suivant' }).tap();
  await expect(page.locator('li[data-document="timbre-perte"]')).toBeVisible();
  await expectUniqueIds(page, 'the checklist');

  // The review, a change from it, and back.
  await page.getByRole('button', { name: 'Suivant' }).tap();
  await expectHeadingFocused(page, 'Vérifiez vos réponses');
  await expectUniqueIds(page, 'the review');
  await page.getByRole('button', { name: 'Modifier : Quel papier voulez-vous ?' }).tap();
  await expectHeadingFocused(page, 'Quel papier voulez-vous ?');
  await page.getByRole('button', { name: 'Revenir au résumé' }).tap();
  await expectHeadingFocused(page, 'Vérifiez vos réponses');

  // The end screen, then the idle screen again.
  await page.getByRole('button', { name: 'Imprimer et aller au guichet' }).tap();
  await expectHeadingFocused(page, 'Allez au guichet');
  await expectUniqueIds(page, 'the end screen');
  await page.getByRole('button', { name: 'Terminer' }).tap();
  await expectHeadingFocused(page, 'Bonjour !');
});

test('the inactivity countdown and « Tout effacer ? » add no id that is already used', async ({ page }) => {
  await page.clock.install();
  await openKiosk(page);
  await page.getByRole('button', { name: "Touchez l'écran pour commencer" }).tap();
  await page.getByTestId('finish').tap();
  await expect(page.getByRole('alertdialog', { name: 'Tout effacer ?' })).toBeVisible();
  await expectUniqueIds(page, 'the catalog with « Tout effacer ? » open');
  await page.keyboard.press('Escape');
  await openKiosk(page);
  // Back on the idle screen with a language chosen: the countdown comes over the idle screen's
  // own heading, which shared its id with the dialog's.
  await page.getByRole('button', { name: 'English' }).first().tap();
  await page.clock.fastForward(91_000);
  await expect(page.getByRole('alertdialog', { name: 'Are you still there?' })).toBeVisible();
  await expectUniqueIds(page, 'the idle screen with the countdown open');
});

test('answers drawn as radios: one Tab stop, arrow keys move and choose', async ({ page }) => {
  await openKiosk(page);
  await page.getByRole('button', { name: "Touchez l'écran pour commencer" }).tap();
  await page.locator('[data-procedure="carte-identite-passeport"]').tap();
  await page.getByRole('button', { name: 'Suivant' }).tap();
  await expectHeadingFocused(page, 'Quel papier voulez-vous ?');

  // Nothing chosen yet: Tab enters the group on its first answer, without choosing it.
  const card = page.getByRole('radio', { name: "Carte d'identité" });
  const passport = page.getByRole('radio', { name: 'Passeport' });
  const both = page.getByRole('radio', { name: 'Les deux' });
  await page.keyboard.press('Tab');
  await expect(card).toBeFocused();
  await expect(card).toHaveAttribute('aria-checked', 'false');
  await page.keyboard.press('ArrowDown');
  await expect(passport).toBeFocused();
  await expect(passport).toHaveAttribute('aria-checked', 'true');
  await page.keyboard.press('ArrowRight');
  await expect(both).toBeFocused();
  await expect(both).toHaveAttribute('aria-checked', 'true');
  await expect(passport).toHaveAttribute('aria-checked', 'false');
  // Past the last answer, back to the first; Up goes back round.
  await page.keyboard.press('ArrowDown');
  await expect(card).toHaveAttribute('aria-checked', 'true');
  await page.keyboard.press('ArrowUp');
  await expect(both).toBeFocused();
  await expect(both).toHaveAttribute('aria-checked', 'true');

  // The group is one Tab stop: Tab leaves it, Shift+Tab comes back to the chosen answer.
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Retour' })).toBeFocused();
  await page.keyboard.press('Shift+Tab');
  await expect(both).toBeFocused();

  // The answer chosen with the keys is the session's: it carries on to the next step.
  await page.getByRole('button', { name: 'Suivant' }).tap();
  await expectHeadingFocused(page, 'Pourquoi faites-vous cette demande ?');
  await page.getByRole('button', { name: 'Retour' }).tap();
  await expect(both).toHaveAttribute('aria-checked', 'true');

  // Yes / no, the same way.
  await page.getByRole('button', { name: 'Suivant' }).tap();
  await page.getByRole('radio', { name: "J'ai perdu mon papier" }).tap();
  await page.getByRole('button', { name: 'Suivant' }).tap();
  await page.keyboard.press('Tab');
  const yes = page.getByRole('radio', { name: 'Oui' });
  const no = page.getByRole('radio', { name: 'Non' });
  await expect(yes).toBeFocused();
  await page.keyboard.press('ArrowRight');
  await expect(no).toBeFocused();
  await expect(no).toHaveAttribute('aria-checked', 'true');
  await page.keyboard.press('ArrowLeft');
  await expect(yes).toHaveAttribute('aria-checked', 'true');
});

async function agentTablet(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1024, height: 1366 }, hasTouch: true, locale: 'fr-FR' });
  const tablet = await context.newPage();
  await loginAs(tablet, 'agent');
  await expect(tablet.getByRole('heading', { name: `Bonjour ${demo.agent.firstName}` })).toBeVisible();
  await expect(tablet.getByRole('status').filter({ hasText: 'Connecté' })).toBeVisible();
  await tablet.getByRole('button', { name: 'Disponible' }).tap();
  await expect(tablet.getByRole('button', { name: 'Disponible' })).toHaveAttribute('aria-pressed', 'true');
  return tablet;
}

test('the tablet puts focus on the joined session after « Accepter », on the calls after « Rendre la main »', async ({
  page: kiosk,
  browser
}) => {
  const tablet = await agentTablet(browser);
  await openKiosk(kiosk);
  await kiosk.getByRole('button', { name: "Touchez l'écran pour commencer" }).tap();
  await kiosk.getByTestId('help-button').tap();

  await tablet.locator('[data-call]').getByRole('button', { name: 'Accepter' }).tap();
  await expectHeadingFocused(tablet, /^Avec l'usager de la borne/, 2);
  await expectUniqueIds(tablet, 'the tablet with a joined session');

  await tablet.getByRole('button', { name: "Rendre la main à l'usager" }).tap();
  await expect(tablet.getByTestId('joined-session')).toHaveCount(0);
  await expectHeadingFocused(tablet, 'Appels en attente', 2);
  await tablet.context().close();
});
