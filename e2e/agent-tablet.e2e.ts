/**
 * The agent's tablet in a joined session, as a receptionist holds it (landscape, 1280×800): the
 * session's actions stay within reach, every answer can be read without moving the citizen's
 * screen, and the hand-over list offers colleagues only, never the agent herself.
 */
import type { Browser, Page } from '@playwright/test';
import { answerIdCardUpToChecklist, expect, expectNoAxeViolations, expectTouchTargets, openKiosk, test } from './fixtures';

const landscape = { width: 1280, height: 800 };

async function tablet(browser: Browser, login: string, pin: string): Promise<Page> {
  const context = await browser.newContext({ viewport: landscape, hasTouch: true, locale: 'fr-FR' });
  const page = await context.newPage();
  await page.goto('/agent');
  await page.getByLabel('Identifiant').fill(login);
  await page.getByLabel('Code PIN').fill(pin);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Connecté' })).toBeVisible();
  await page.getByRole('button', { name: 'Disponible' }).tap();
  await expect(page.getByRole('button', { name: 'Disponible' })).toHaveAttribute('aria-pressed', 'true');
  return page;
}

test('joined at 1280×800: actions in reach, an overview that leaves the kiosk alone, colleagues only to hand over to', async ({
  page: kiosk,
  browser
}) => {
  const marie = await tablet(browser, 'marie', '1234');
  const karim = await tablet(browser, 'karim', '5678');
  await kiosk.setViewportSize({ width: 1080, height: 1920 });
  await openKiosk(kiosk);
  await answerIdCardUpToChecklist(kiosk);
  await expect(kiosk.locator('section[data-step]')).toHaveAttribute('data-step', 'papiers');
  await kiosk.getByRole('button', { name: 'Parler à un agent' }).tap();
  // Karim leaves the call to Marie.
  await karim.getByRole('button', { name: 'En pause' }).tap();
  await expect(karim.getByRole('button', { name: 'En pause' })).toHaveAttribute('aria-pressed', 'true');
  await marie.locator('[data-call]').getByRole('button', { name: 'Accepter' }).tap();
  const joined = marie.getByTestId('joined-session');
  await expect(joined).toBeVisible();

  // On join, without scrolling: print, hand-over and end are on screen…
  const actions = marie.getByTestId('session-actions');
  const inReach = [
    actions.getByRole('button', { name: 'Imprimer le récapitulatif (borne)' }),
    actions.getByRole('button', { name: 'Imprimer en A4' }),
    actions.getByLabel("Passer l'appel à un ou une collègue"),
    actions.getByRole('button', { name: 'Transmettre' }),
    actions.getByRole('button', { name: 'Terminer la session' })
  ];
  for (const control of inReach) await expect(control).toBeInViewport();
  // …and still there once the agent has scrolled down to the checklist's last document.
  await joined.locator('li[data-document]').last().scrollIntoViewIfNeeded();
  await expect(marie.getByRole('heading', { name: /Avec l'usager/ })).not.toBeInViewport();
  for (const control of inReach) await expect(control).toBeInViewport();

  // Every answer at a glance, on the tablet only.
  await joined.getByRole('button', { name: 'Voir toutes les réponses' }).tap();
  const overview = marie.getByTestId('answers-overview');
  await expect(overview).toContainText("Visible sur votre tablette seulement : l'écran de la borne ne change pas.");
  await expect(overview.locator('[data-answer="titre"]')).toContainText("Carte d'identité");
  await expect(overview.locator('[data-answer="motif"]')).toContainText("J'ai perdu mon papier");
  await expect(joined.getByRole('button', { name: 'Masquer les réponses' })).toHaveAttribute('aria-expanded', 'true');
  await expectNoAxeViolations(marie);
  await expectTouchTargets(marie, 48);
  // The agent then ticks a document: once the kiosk shows that later change, it shows it on the
  // same step, so opening the overview did not move the citizen's screen.
  await joined.locator('li[data-document="photo"]').getByRole('radio').first().tap();
  await expect(kiosk.locator('li[data-document="photo"]').getByRole('radio').first()).toHaveAttribute('aria-checked', 'true');
  await expect(kiosk.locator('section[data-step]')).toHaveAttribute('data-step', 'papiers');
  await expect(overview.locator('[data-answer="papiers"]')).toContainText("Une photo d'identité de moins de 6 mois");

  // Hand-over: Karim is offered, Marie is not. Karim's break reached Marie's list after her own
  // change to busy (the server sends a site's presence in order), so the list is up to date.
  const colleague = actions.getByLabel("Passer l'appel à un ou une collègue");
  await expect(colleague.locator('option', { hasText: 'Karim · En pause' })).toHaveCount(1);
  await expect(colleague.locator('option', { hasText: 'Marie' })).toHaveCount(0);

  await actions.getByRole('button', { name: 'Terminer la session' }).tap();
  await marie.getByRole('dialog').getByRole('button', { name: 'Terminer la session' }).tap();
  await expect(joined).toHaveCount(0);
  await marie.context().close();
  await karim.context().close();
});
